import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import type { EventPublisher } from '../../queues/publisher';
import { InstanceRegistry } from '../../whatsapp/instances/registry';
import { InstanceCache } from '../../messages/instance-cache';
import { StatusStore } from '../../messages/status-store';
import type { ReceiptRecords } from '../../messages/receipts';
import { logBuffer, logStore, messageLogObserver, PgMessageLog, prepareInBackground } from '../../message-log';

export interface ServerMessageLog {
  /** the queries of GET /messages and the CSV export; undefined with MESSAGE_LOG=off */
  store?: PgMessageLog;
  close(): Promise<void>;
}

/**
 * whatsapp-server's part of the message log: receipts (message.status, every channel's) become
 * rows in the Redis buffer, with the campaign, recipient and type their status record knows; and
 * the store answers the API's queries. The schema is prepared in the background: the server never
 * waits on PostgreSQL to start.
 */
export function serverMessageLog(config: Config, logger: Logger, redis: Redis, events: Pick<EventPublisher, 'observe'>, records?: ReceiptRecords): ServerMessageLog {
  const buffer = logBuffer(config, redis);
  const store = logStore(config, logger);
  if (!buffer || !store) return { close: async () => undefined };
  const keys = redisKeys(config.QUEUE_PREFIX);
  const instances = new InstanceCache(new InstanceRegistry(redis, keys), config.INSTANCE_CACHE_MS);
  const statuses = new StatusStore(redis, keys, config.MESSAGE_RETENTION_DAYS);
  events.observe(
    messageLogObserver({
      buffer,
      channelOf: (id) => instances.channel(id),
      recordOf: async (id, event) => {
        // the status observer (registered first) read it with its write: no second read
        const known = records?.of(event);
        if (known) return known.record;
        const r = await statuses.get(id);
        return r ? { campaignId: r.campaignId, to: r.to, type: r.type } : undefined;
      },
      logger,
    }),
  );
  const preparing = prepareInBackground(store, logger);
  return {
    store,
    async close() {
      preparing.stop();
      await store.close();
    },
  };
}
