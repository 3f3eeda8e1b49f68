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
import { redisKeys } from '../../shared/keys';
import { EventPublisher } from '../../queues/publisher';
import { signaturesFromConfig } from '../../webhooks/signing/from-config';
import { WebhookEndpoints } from '../../webhooks/endpoints/endpoints';
import { endpointGauges } from '../../webhooks/endpoints/metrics';
import { OrderGate } from '../../webhooks/ordering';
import { cachedSubscriptions } from '../../webhooks/subscriptions';
import { InstanceRegistry } from '../../whatsapp/instances/registry';
import { startLogWriter, RunningLogWriter } from '../../message-log/writer-process';

/** webhook-worker: consumes the `webhook` queue and posts each event, signed, to the CRM. */
export function webhookWorkerSpec(config: Config, logger: Logger): WorkerSpec<'webhook'> {
  let deliverer: WebhookDeliverer | undefined;
  let endpoints: WebhookEndpoints | undefined;
  // the message log's one writer: drains the Redis buffer into PostgreSQL (absent with MESSAGE_LOG=off)
  let log: RunningLogWriter | undefined;
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
      if (config.WEBHOOK_ATTEMPTS !== undefined || config.WEBHOOK_BACKOFF_MS !== undefined) {
        logger.warn('WEBHOOK_ATTEMPTS and WEBHOOK_BACKOFF_MS are no longer used: WEBHOOK_RETRY_SCHEDULE sets the retries', { schedule: config.WEBHOOK_RETRY_SCHEDULE });
      }
      deliverer = new WebhookDeliverer({
        signatures: signaturesFromConfig(config),
        serviceRoleKey: config.SUPABASE_SERVICE_ROLE_KEY,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxSockets: config.WEBHOOK_MAX_SOCKETS,
      });
      log = startLogWriter(config, logger, ctx.redis, ctx.metrics);
      const queue = ctx.queueSet.queues.webhook;
      const keys = redisKeys(config.QUEUE_PREFIX);
      const deadLetters = new DeadLetterStore(ctx.redis, config.QUEUE_PREFIX, config.DEAD_LETTER_MAX);
      deadLetterStalledJobs(queue, deadLetters, logger);
      // 'webhook.endpoint' reports travel like any event (to the status family's URL)
      const events = new EventPublisher(queue, logger);
      endpoints = new WebhookEndpoints({ redis: ctx.redis, keys, queue, config, logger, publish: (e) => events.publish(e) });
      endpointGauges(ctx.metrics, endpoints.store);
      const registry = new InstanceRegistry(ctx.redis, keys);
      const subscriptions = cachedSubscriptions(async (id) => {
        const r = await registry.get(id);
        return r && { webhookUrl: r.webhookUrl, webhookUrls: r.webhookUrls, events: r.webhookEvents };
      }, config.INSTANCE_CACHE_MS);
      const order = config.WEBHOOK_ORDER === 'chat' ? new OrderGate(ctx.redis, keys, queue, logger) : undefined;
      return createWebhookHandler({ config, logger, deliverer: countDeliveries(deliverer, ctx.metrics), deadLetters, endpoints, subscriptions, order });
    },
    // maintenance jobs (enqueued by whatsapp-server's schedules) ride on this queue
    namedJobs: (ctx) => ({ [MAINTENANCE_JOB]: maintenanceJobHandler({ config, logger, redis: ctx.redis, queues: Object.values(ctx.queueSet.queues), messageLog: log?.store }) }),
    // GET /stats/message-log: buffered rows, lag, rows written, PostgreSQL up or down
    extend: (app) => {
      app.get('/stats/message-log', async (_req, res) => void res.json(log ? { enabled: true, ...(await log.writer.stats()) } : { enabled: false }));
    },
    onClose: async () => {
      await endpoints?.close();
      deliverer?.close();
      await log?.close();
    },
  };
}
