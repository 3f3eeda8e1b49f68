import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { WorkerSpec } from '../../shared/worker-process';

/** message-worker: consumes the `message` queue. */
export function messageWorkerSpec(config: Config, logger: Logger): WorkerSpec<'message'> {
  return {
    name: 'message-worker',
    queue: 'message',
    port: config.MESSAGE_WORKER_PORT,
    concurrency: config.MESSAGE_CONCURRENCY,
    handler: () => async (job) => {
      logger.info('job consumed', { jobId: job.id });
    },
  };
}
