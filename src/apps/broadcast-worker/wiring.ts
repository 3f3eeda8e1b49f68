import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { WorkerSpec } from '../../shared/worker-process';

/** broadcast-worker: consumes the `broadcast` queue. */
export function broadcastWorkerSpec(config: Config, logger: Logger): WorkerSpec<'broadcast'> {
  return {
    name: 'broadcast-worker',
    queue: 'broadcast',
    port: config.BROADCAST_WORKER_PORT,
    concurrency: 4,
    handler: () => async (job) => {
      logger.info('job consumed', { jobId: job.id });
    },
  };
}
