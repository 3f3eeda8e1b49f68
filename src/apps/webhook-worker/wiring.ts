import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { WorkerSpec } from '../../shared/worker-process';

/** webhook-worker: consumes the `webhook` queue. */
export function webhookWorkerSpec(config: Config, logger: Logger): WorkerSpec<'webhook'> {
  return {
    name: 'webhook-worker',
    queue: 'webhook',
    port: config.WEBHOOK_WORKER_PORT,
    concurrency: config.WEBHOOK_CONCURRENCY,
    handler: () => async (job) => {
      logger.info('job consumed', { jobId: job.id });
    },
  };
}
