import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import type { EventPublisher } from '../../queues/publisher';
import { InstanceRegistry } from '../../whatsapp/instances/registry';
import { InstanceCache } from '../../messages/instance-cache';
import type { SendBudget } from '../../budget/send-budget';
import { createSendBudget } from '../../budget/create-budget';
import { budgetObservers } from '../../budget/observers';
import { registerBudgetGauges, BudgetSample } from '../../metrics/budget-gauges';
import type { MonitProbe } from '../../metrics/pm2-monit';
import type { ProcessMetrics } from '../../metrics/registry';

export interface ServerBudget {
  budget: SendBudget;
  /** the receipt observer's hook: a late rejection is a health input */
  onRejected(instanceId: string, messageId: string): Promise<void>;
  /** the metrics registry, once it exists: the budget's gauges; returns the pm2 monit probes */
  gauges(metrics: ProcessMetrics, instances: () => Promise<string[]>): MonitProbe[];
}

/**
 * whatsapp-server's side of the send budget: the budget itself (GET /instance/:id/budget, the
 * suppression routes, campaign ETAs) and the observers that feed it from WhatsApp's events: opt-out
 * words in inbound messages (suppression list, 'contact.opted_out'), delivery receipts and replies
 * of campaign recipients (health inputs). Late rejections come through onRejected.
 */
export function serverBudget(config: Config, redis: Redis, events: Pick<EventPublisher, 'observe' | 'publish'>, logger: Logger): ServerBudget {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const instances = new InstanceCache(new InstanceRegistry(redis, keys), config.INSTANCE_CACHE_MS);
  const budget = createSendBudget(config, redis, { instance: (id) => instances.get(id), publish: (e) => events.publish(e) });
  events.observe(
    budgetObservers({
      health: budget.health,
      suppressions: budget.suppressions,
      optOutWords: budget.defaults.optOutWords,
      publish: (e) => events.publish(e),
      onError: (err) => logger.warn('budget observer failed', { error: err.message }),
    }),
  );
  const sample = async (id: string): Promise<BudgetSample> => {
    const now = budget.now();
    const [{ limits, health }, used, suppressions] = await Promise.all([budget.limits(id, now), budget.windows.usage(id, now), budget.suppressions.count(id)]);
    return { instanceId: id, caps: limits.caps, used, health, warmupDay: limits.warmup.active ? limits.warmup.day : null, suppressions };
  };
  return {
    budget,
    onRejected: (instanceId, messageId) => budget.health.rejected(instanceId, messageId),
    gauges: (metrics, list) => registerBudgetGauges(metrics, async () => Promise.all((await list()).map(sample))),
  };
}
