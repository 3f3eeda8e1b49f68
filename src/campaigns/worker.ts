import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { redisKeys } from '../shared/keys';
import type { Redis } from 'ioredis';
import type { JobHandler, Queues } from '../queues/factory';
import type { ProcessMetrics } from '../metrics/registry';
import { EventPublisher } from '../queues/publisher';
import { InstanceRegistry } from '../whatsapp/instances/registry';
import { InstanceCache } from '../messages/instance-cache';
import { createSendPipeline } from '../messages/create-send-pipeline';
import { sendCounter } from '../metrics/counting';
import { budgetHoldCounter } from '../metrics/budget-metrics';
import { perMinute, MonitProbe } from '../metrics/pm2-monit';
import { campaignEtaMs } from '../budget/campaign-eta';
import { CampaignStore, retentionSeconds } from './store';
import { runCampaign, RunnerDeps, stopCampaign } from './runner';
import { isAppError } from '../shared/errors';
import { appendRows, campaignOutcomeRow, logBuffer } from '../message-log';
import type { GraphClient } from '../messenger';

/**
 * broadcast-worker's job handler: one job per campaign (data: ids only), run by runCampaign
 * through the shared send pipeline (circuit breaker -> per-instance pacer with priority
 * 'campaign' and minGapMs = rateLimitMs -> internal send). close() frees sockets and timers.
 */
/**
 * What the handler takes from its worker process (apps/_runtime's WorkerContext fits it): a lower
 * layer names only what it uses instead of importing the runtime's type from apps/.
 */
export interface CampaignWorkerContext {
  redis: Redis;
  queueSet: { queues: Pick<Queues, 'webhook'> };
  metrics: ProcessMetrics;
  monit?: { add(...probes: MonitProbe[]): void };
}

export function createCampaignHandler(ctx: CampaignWorkerContext, config: Config, logger: Logger): { handler: JobHandler<'broadcast'>; close(): void; graph: GraphClient } {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const events = new EventPublisher(ctx.queueSet.queues.webhook, logger);
  const registry = new InstanceRegistry(ctx.redis, keys);
  const instances = new InstanceCache(registry, config.INSTANCE_CACHE_MS);
  const holds = budgetHoldCounter(ctx.metrics);
  ctx.monit?.add({ name: 'Budget holds/min', value: perMinute(holds.counter) });
  const built = createSendPipeline({
    config,
    logger,
    redis: ctx.redis,
    publish: (event) => events.publish(event),
    settings: (id) => instances.settings(id),
    instance: (id) => instances.get(id),
    onHold: holds.onHold,
    channelOf: (id) => instances.channel(id),
    maxSockets: config.BROADCAST_CONCURRENCY * 2,
    onOutcome: sendCounter(ctx.metrics),
  });
  const { pipeline } = built;
  if (config.BROADCAST_QUIET_HOURS && !pipeline.budget.quietHours) logger.warn('BROADCAST_QUIET_HOURS ignored: hours must be 0-23 and differ', { value: config.BROADCAST_QUIET_HOURS });
  const store = new CampaignStore(ctx.redis, keys, retentionSeconds(config.MESSAGE_RETENTION_DAYS));
  // every recipient's outcome goes to the message log's Redis buffer (campaigns publish no per-message events)
  const buffer = logBuffer(config, ctx.redis);
  const deps: RunnerDeps = {
    store,
    logger,
    send: async ({ campaignId, ...req }) => {
      await pipeline.send({ ...req, priority: 'campaign', fields: { campaignId } });
    },
    publish: async (event, wait) => {
      if (wait) await events.publishAndWait(event);
      else events.publish(event);
    },
    circuit: pipeline.breaker,
    // fresh, not cached: the runner asks only after a send found the instance not connected
    instanceStatus: async (id) => (await registry.get(id))?.status,
    budget: pipeline.budget,
    suppressed: (id, to) => pipeline.budget.suppressed(id, to),
    onHold: holds.onHold,
    pollMs: 200,
    holdPollMs: 1000,
    recipientAttempts: config.BROADCAST_RECIPIENT_ATTEMPTS,
    progressEvery: config.BROADCAST_PROGRESS_EVERY,
    progressIntervalMs: config.BROADCAST_PROGRESS_INTERVAL_MS,
    lockMs: config.QUEUE_LOCK_DURATION_MS,
    pacing: {
      minGapMs: config.PACING_MIN_GAP_MS,
      jitterMs: config.PACING_JITTER_MS,
      budgetEta: (record, pending) => campaignEtaMs(pipeline.budget, record.instanceId, pending, { rateLimitMs: record.rateLimitMs, templated: record.templated }),
    },
    onOutcome: buffer ? async (o) => appendRows({ buffer, logger }, [campaignOutcomeRow(o, await instances.channel(o.instanceId))]) : undefined,
  };
  const handler: JobHandler<'broadcast'> = (job) => {
    // Bull sets queue.closing when the worker shuts down: the campaign stops before its next send
    // and the job is retried by the next worker (active jobs are awaited by close()).
    const closing = () => Boolean((job as unknown as { queue?: { closing?: unknown } }).queue?.closing);
    return runCampaign(deps, job.data.campaignId, closing).catch(async (err: unknown) => {
      // a final error would fail the job and leave the campaign "running" with nobody running it
      if (!isAppError(err) || err.retryable) throw err;
      await stopCampaign(deps, job.data, err);
      return 'stopped';
    });
  };
  return { handler, close: built.close, graph: built.graph };
}
