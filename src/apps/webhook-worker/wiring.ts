import { Config, requireSecrets } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { WorkerSpec } from '../_runtime/worker-process';
import { WebhookDeliverer } from '../../webhooks/deliver';
import { DeadLetterStore } from '../../webhooks/dead-letters';
import { createWebhookHandler, deadLetterStalledJobs } from '../../webhooks/handler';
import { unroutedFamilies } from '../../webhooks/routing';
import { MAINTENANCE_JOB } from '../../queues/maintenance-jobs';
import { maintenanceJobHandler } from '../../maintenance/tasks';
import { countDeliveries } from '../../metrics/counting';

/** webhook-worker: consumes the `webhook` queue and posts each event, signed, to the CRM. */
export function webhookWorkerSpec(config: Config, logger: Logger): WorkerSpec<'webhook'> {
  let deliverer: WebhookDeliverer | undefined;
  return {
    name: 'webhook-worker',
    queue: 'webhook',
    port: config.WEBHOOK_WORKER_PORT,
    concurrency: config.WEBHOOK_CONCURRENCY,
    handler: (ctx) => {
      // checked here (not above) so a missing secret rejects start() and exits cleanly
      requireSecrets(config, ['WEBHOOK_SECRET']);
      const unrouted = unroutedFamilies(config);
      if (unrouted.length) {
        logger.warn('webhook URLs missing: these events wait in Redis until configured', {
          families: unrouted,
          hint: 'set SUPABASE_FUNCTIONS_URL (and WEBHOOK_URL_CAMPAIGN for campaign events)',
        });
      }
      deliverer = new WebhookDeliverer({
        secret: config.WEBHOOK_SECRET!,
        serviceRoleKey: config.SUPABASE_SERVICE_ROLE_KEY,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxSockets: config.WEBHOOK_MAX_SOCKETS,
      });
      const deadLetters = new DeadLetterStore(ctx.redis, config.QUEUE_PREFIX, config.DEAD_LETTER_MAX);
      deadLetterStalledJobs(ctx.queueSet.queues.webhook, deadLetters, logger);
      return createWebhookHandler({ config, logger, deliverer: countDeliveries(deliverer, ctx.metrics), deadLetters });
    },
    // maintenance jobs (enqueued by whatsapp-server's schedules) ride on this queue
    namedJobs: (ctx) => ({ [MAINTENANCE_JOB]: maintenanceJobHandler({ config, logger, redis: ctx.redis, queues: Object.values(ctx.queueSet.queues) }) }),
    onClose: async () => deliverer?.close(),
  };
}
