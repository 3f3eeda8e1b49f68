/**
 * The auth state's own Redis connection: the server's connection fails a command after 2 s
 * (shared/redis.ts, so HTTP handlers answer 503 fast), and under a burst of inbound messages its
 * replies queue behind thousands of auto-pipelined commands and an event loop that lags seconds
 * (100 sessions x 10,000 messages a round: nodejs_eventloop_lag_max_seconds 3.5), so Signal key
 * reads and writes timed out while Redis was fine. Inside Baileys' decrypt that is a failed
 * message: a CIPHERTEXT stub "Command timed out" (our message.undecryptable), back only through a
 * retry receipt round trip (24 and 15 of 100,000 at 100 sessions, BENCHMARKS.md "Baileys
 * sessions"). Reads also go through timed-out-read.ts; the identity write before each pkmsg
 * (lib/Signal/libsignal.js:86-93, outside the transaction, not retried) and Baileys' non-transaction
 * writes (lib/Utils/auth-utils.js:186-205) get no retry, so the timeout itself is longer here.
 * Same target, options and failover as `redis` (ioredis duplicate); Redis away still fails at once
 * (no offline queue). Closed when `redis` ends (the server's shutdown quits it).
 */
import type { Redis } from 'ioredis';
import { waitForRedis } from '../../shared/redis';

export const AUTH_COMMAND_TIMEOUT_MS = 15_000;

/** Resolves once the new connection is ready: without an offline queue, a command sent before fails. */
export async function authConnection(redis: Redis): Promise<Redis> {
  const auth = redis.duplicate({ commandTimeout: AUTH_COMMAND_TIMEOUT_MS, connectionName: `${redis.options.connectionName ?? 'redis'}-auth` });
  redis.once('end', () => auth.disconnect());
  // its errors reach the callers as rejected commands; `redis` (same server) logs the connection's
  auth.on('error', () => undefined);
  await waitForRedis(auth);
  return auth;
}
