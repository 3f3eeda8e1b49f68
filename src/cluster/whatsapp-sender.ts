import type { Redis } from 'ioredis';
import { Config, internalApiUrl } from '../shared/config';
import { redisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { ChannelSender } from '../channels/sender';
import { InternalClient } from '../whatsapp/internal-client';
import { OwnerLookup } from './owner-lookup';
import { RoutedClient } from './routed-client';
import { shardingEnabled } from './settings';

/**
 * The workers' WhatsApp sender: one server (the default) is the internal client to INTERNAL_API_URL,
 * as before shards; sharded servers route each instance to the shard that holds it.
 */
export function createWhatsAppSender(config: Config, redis: Redis, maxSockets?: number): ChannelSender {
  if (!config.INTERNAL_TOKEN) throw new AppError('internal', 'INTERNAL_TOKEN is required to send');
  const options = { token: config.INTERNAL_TOKEN, sendTimeoutMs: config.INTERNAL_SEND_TIMEOUT_MS, maxSockets };
  if (!shardingEnabled(config)) return new InternalClient({ ...options, baseUrl: internalApiUrl(config) });
  return new RoutedClient(new OwnerLookup(redis, redisKeys(config.QUEUE_PREFIX)), options);
}
