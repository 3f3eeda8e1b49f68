import type { Redis } from 'ioredis';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import { ScriptRunner } from '../../shared/script-runner';

const WINDOW_MS = 60_000;

// One counter per key and minute, created with the window's expiry; returns {count, ms left}.
// KEYS: counter. ARGV: window ms.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export interface RateDecision {
  limit: number;
  remaining: number;
  /** seconds until the window resets */
  resetS: number;
  allowed: boolean;
}

/**
 * Requests per minute per API key, counted in Redis so every process (and every future server
 * shard) shares one count: fixed one-minute windows. When Redis is away the limit is not
 * applied (fail open): the routes behind it answer 503 themselves, and /metrics, /queue-status
 * keep answering the admin.
 */
export class RateLimiter {
  private readonly scripts: ScriptRunner;
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(private readonly redis: Redis, prefix: string) {
    this.scripts = new ScriptRunner(redis);
    this.keys = redisKeys(prefix);
  }

  /** Counts one request of `keyId`; undefined when there is no limit or Redis could not count it. */
  async hit(keyId: string, limit: number, now = Date.now()): Promise<RateDecision | undefined> {
    if (limit <= 0 || this.redis.status !== 'ready') return undefined;
    const window = Math.floor(now / WINDOW_MS);
    try {
      const [count, ttl] = (await this.scripts.run(HIT, [this.keys.rateLimit(keyId, window)], [WINDOW_MS])) as [number, number];
      return { limit, remaining: Math.max(0, limit - count), resetS: Math.max(1, Math.ceil(ttl / 1000)), allowed: count <= limit };
    } catch {
      return undefined;
    }
  }
}

/**
 * The IETF draft's RateLimit-* fields on every counted answer, and on a refusal 429 with
 * Retry-After (seconds until the window resets).
 */
/** Where the RateLimit-* headers go: an Express response or a plain one (the front path). */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

export function applyRateHeaders(res: HeaderSink, decision: RateDecision | undefined): AppError | undefined {
  if (!decision) return undefined;
  // setHeader, not Express's res.set: the front path (rooms/room.ts FrontHandler) has a plain response
  res.setHeader('RateLimit-Limit', String(decision.limit));
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
  res.setHeader('RateLimit-Reset', String(decision.resetS));
  res.setHeader('RateLimit-Policy', `${decision.limit};w=60`);
  if (decision.allowed) return undefined;
  res.setHeader('Retry-After', String(decision.resetS));
  return new AppError('rate_limited', `more than ${decision.limit} requests in a minute with this API key; retry in ${decision.resetS} s`, { limit: decision.limit, retryAfterS: decision.resetS }, { retryAfterMs: decision.resetS * 1000 });
}
