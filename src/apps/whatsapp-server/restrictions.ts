import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import type { EventPublisher } from '../../queues/publisher';
import type { ProcessMetrics } from '../../metrics/registry';
import { registerRestrictionGauges } from '../../metrics/restriction-gauges';
import type { LateRejection } from '../../messages/late-rejection';
import { InboundChats } from '../../whatsapp/inbound-chats';
import { RestrictionStore } from '../../whatsapp/restriction/store';
import { inboundChatsObserver, restrictionObserver } from '../../whatsapp/restriction/observers';
import type { WhatsAppSession } from '../../whatsapp/types';

export interface ServerRestrictions {
  store: RestrictionStore;
  /** the receipt observer's hook: a late 463 marks the session's reachout timelock (restriction.ts) */
  onRejected(instanceId: string, rejection: LateRejection): Promise<void>;
  /** the sessions (built after the observers) and the metrics registry, once they exist */
  attach(sessions: { session(instanceId: string): WhatsAppSession | undefined; registry: { list(): Promise<Array<{ instanceId: string }>> } }, metrics: ProcessMetrics): void;
}

/**
 * whatsapp-server's side of the restriction state: the 'instance.restriction' events of its
 * sessions are written to Redis (where the workers' budget reads them), inbound 1:1 messages fill
 * the set of chats that wrote to us, a late 463 reaches the session's tracker, and the state is
 * exported as per-instance gauges.
 */
export function serverRestrictions(config: Config, redis: Redis, events: Pick<EventPublisher, 'observe'>, logger: Logger): ServerRestrictions {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const retentionMs = config.MESSAGE_RETENTION_DAYS * 86_400_000;
  const store = new RestrictionStore(redis, keys, retentionMs);
  events.observe(restrictionObserver(store));
  events.observe(inboundChatsObserver(new InboundChats(redis, keys, retentionMs), (err) => logger.warn('could not record an inbound chat', { error: err.message })));
  let sessionOf: (instanceId: string) => WhatsAppSession | undefined = () => undefined;
  return {
    store,
    async onRejected(instanceId, rejection) {
      // 463 only: 479 and the rest are about one message, not about the account
      if (rejection.waCode !== '463') return;
      await sessionOf(instanceId)?.noteRestriction?.({ kind: 'ack_463' });
    },
    attach(sessions, metrics) {
      sessionOf = (id) => sessions.session(id);
      registerRestrictionGauges(metrics, {
        instances: async () => (await sessions.registry.list()).map((r) => r.instanceId),
        states: (ids) => store.getMany(ids),
      });
    },
  };
}
