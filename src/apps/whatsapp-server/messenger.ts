import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import type { EventPublisher } from '../../queues/publisher';
import type { InstanceRegistry } from '../../whatsapp/instances/registry';
import { CredentialStore } from '../../messenger/credentials';
import { MessengerInstances } from '../../messenger/instances';
import { messengerRoom } from '../../http/rooms/messenger';
import type { HttpRoom } from '../../http/rooms/room';

export interface ServerMessenger {
  /** create and delete of Messenger instances (the public room's instance routes) */
  instances: MessengerInstances;
  /** /messenger/webhook: Facebook's signed webhook */
  room: HttpRoom;
}

/**
 * whatsapp-server's Messenger side: pages registered as instances (credentials kept out of the
 * registry) and Facebook's webhook, whose messages and receipts go out as our events through the
 * same publisher (and so the same observers: statuses, campaign counters, message log).
 */
export function serverMessenger(config: Config, logger: Logger, redis: Redis, registry: InstanceRegistry, events: Pick<EventPublisher, 'publish' | 'publishAndWait'>): ServerMessenger {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const credentials = new CredentialStore(redis, keys);
  const instances = new MessengerInstances(registry, credentials, (e) => events.publish(e));
  if (!config.MESSENGER_APP_SECRET) logger.info('MESSENGER_APP_SECRET unset: Facebook webhooks (/messenger/webhook) are refused');
  const room = messengerRoom({
    config,
    logger,
    inbound: { redis, keys, instanceOf: (pageId) => credentials.instanceOf(pageId) },
    targetUrl: async (id) => (await registry.get(id))?.webhookUrl,
    publish: (e) => events.publishAndWait(e),
  });
  return { instances, room };
}
