/** Builds a process's Messenger sender from config (the workers' send pipelines use it). */
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { redisKeys } from '../shared/keys';
import type { AnyEventInput } from '../events/envelope';
import { CircuitBreaker } from '../pacing/circuit-breaker';
import { CredentialStore } from './credentials';
import { GraphClient } from './graph-client';
import { MessengerRateLimiter } from './rate-limit';
import { MessengerSender } from './sender';

export type MessengerConfig = Pick<
  Config,
  | 'QUEUE_PREFIX' | 'GRAPH_API_URL' | 'GRAPH_API_VERSION' | 'MESSENGER_MAX_SOCKETS' | 'MESSENGER_TIMEOUT_MS' | 'MESSENGER_PAGE_RATE' | 'MESSENGER_GLOBAL_RATE'
  | 'MESSENGER_AUTH_FAILURES' | 'MESSENGER_AUTH_PAUSE_MS' | 'MESSENGER_THROTTLE_BACKOFF_MS' | 'MESSAGE_RETENTION_DAYS' | 'PACING_MAX_WAIT_MS'
>;

export interface BuiltMessenger {
  sender: MessengerSender;
  graph: GraphClient;
  pageBreaker: CircuitBreaker;
}

export function createMessengerSender(config: MessengerConfig, redis: Redis, logger: Logger, publish: (e: AnyEventInput) => unknown): BuiltMessenger {
  const keys = redisKeys(config.QUEUE_PREFIX);
  const graph = new GraphClient({ baseUrl: config.GRAPH_API_URL, version: config.GRAPH_API_VERSION, maxSockets: config.MESSENGER_MAX_SOCKETS, timeoutMs: config.MESSENGER_TIMEOUT_MS, throttleBackoffMs: config.MESSENGER_THROTTLE_BACKOFF_MS });
  // the page breaker is the circuit breaker on its own keys: auth failures only, its own threshold and pause
  const pageBreaker = new CircuitBreaker(redis, { ...keys, circuit: keys.messengerBreaker }, { threshold: config.MESSENGER_AUTH_FAILURES, pauseMs: config.MESSENGER_AUTH_PAUSE_MS, publish, logger });
  const rates = new MessengerRateLimiter(redis, keys, { perPage: config.MESSENGER_PAGE_RATE, global: config.MESSENGER_GLOBAL_RATE, maxWaitMs: config.PACING_MAX_WAIT_MS });
  const sender = new MessengerSender({
    redis,
    keys,
    credentials: new CredentialStore(redis, keys),
    graph,
    pageBreaker,
    rates,
    recordTtlSeconds: Math.round(config.MESSAGE_RETENTION_DAYS * 86_400),
    claimMs: config.MESSENGER_TIMEOUT_MS + 5000,
  });
  return { sender, graph, pageBreaker };
}

export { CredentialStore } from './credentials';
export { GraphClient } from './graph-client';
export type { HttpClientStats } from './graph-client';
export { parsePsid } from './payload';
