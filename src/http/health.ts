import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { AnyQueue as Queue } from '../queues/factory';
import { probeRedis, readRedisDurability, RedisDurability, withTimeout } from '../shared/redis';
import { queueCounts, JobCounts } from '../queues/factory';
import { VERSION } from '../shared/version';
import { AppError } from '../shared/errors';

export interface HealthDeps {
  processName: string;
  redis: Redis;
  /** the queues whose counts this process reports (the one it owns; all three for the server) */
  queues: Queue[];
  /** extra fields (sessions by status, worker state) */
  extra?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Redis' persistence settings are read again at most this often (health is polled a lot). */
const DURABILITY_TTL_MS = 30_000;

/** 200 when Redis answers, 503 with the reason when it does not; never hangs. */
export function healthHandler(deps: HealthDeps): RequestHandler {
  let durability: { value: RedisDurability; at: number } | undefined;
  const readDurability = async (): Promise<RedisDurability> => {
    if (!durability || Date.now() - durability.at > DURABILITY_TTL_MS) {
      durability = { value: await withTimeout(readRedisDurability(deps.redis), 1000, 'CONFIG GET timed out'), at: Date.now() };
    }
    return durability.value;
  };
  return async (_req, res) => {
    const probe = await probeRedis(deps.redis);
    // the durability of the Redis in use: a Redis that loses jobs on restart says so here too
    const redis = probe.reachable ? { ...probe, durability: await readDurability().catch((err: Error) => ({ durable: false, warnings: [err.message] })) } : probe;
    const body: Record<string, unknown> = {
      status: redis.reachable ? 'ok' : 'unavailable',
      process: deps.processName,
      version: VERSION,
      uptime: Math.round(process.uptime()),
      pid: process.pid,
      memory: { rss: process.memoryUsage().rss },
      redis,
    };
    if (redis.reachable) {
      try {
        body.queues = await allCounts(deps.queues);
      } catch (err) {
        body.queues = { error: (err as Error).message };
      }
    }
    if (deps.extra) Object.assign(body, await deps.extra());
    res.status(redis.reachable ? 200 : 503).json(body);
  };
}

export async function allCounts(queues: Queue[]): Promise<Record<string, JobCounts>> {
  const entries = await Promise.all(queues.map(async (q) => [q.name, await withTimeout(queueCounts(q), 1000, 'queue counts timed out')] as const));
  return Object.fromEntries(entries);
}

export function queueStatusHandler(redis: Redis, queues: Queue[]): RequestHandler {
  return async (_req, res) => {
    if (redis.status !== 'ready') throw new AppError('redis_unavailable', 'Redis is unreachable');
    try {
      res.json({ success: true, queues: await allCounts(queues), timestamp: new Date().toISOString() });
    } catch (err) {
      throw new AppError('redis_unavailable', `Redis did not answer: ${(err as Error).message}`);
    }
  };
}

/** Routes that need Redis answer 503 at once while it is away, instead of waiting on it. */
export function requireRedis(redis: Redis): RequestHandler {
  return (_req, _res, next) => {
    if (redis.status !== 'ready') return next(new AppError('redis_unavailable', `Redis is unreachable (connection ${redis.status}); retry shortly`));
    next();
  };
}
