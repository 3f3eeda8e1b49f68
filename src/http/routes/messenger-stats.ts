import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import { redisKeys } from '../../shared/keys';
import type { InstanceRegistry } from '../../whatsapp/instances/registry';
import type { HttpClientStats } from '../../messenger';

export interface SendStatsDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'WORKER_HOST' | 'MESSAGE_WORKER_PORT' | 'BROADCAST_WORKER_PORT' | 'CIRCUIT_FAILURE_THRESHOLD' | 'MESSENGER_AUTH_FAILURES'>;
  redis: Redis;
  registry: Pick<InstanceRegistry, 'list'>;
}

/**
 * Seed 003's stats routes, over every process that sends:
 *   GET /stats/http-client      the Graph pool of message-worker and broadcast-worker (sockets, reuse ratio) and their sum
 *   GET /stats/circuit-breaker  each instance's breaker, and each Messenger page's auth breaker
 */
export function sendStatsRouter(deps: SendStatsDeps): Router {
  const router = Router();
  const keys = redisKeys(deps.config.QUEUE_PREFIX);
  const host = deps.config.WORKER_HOST === '0.0.0.0' || deps.config.WORKER_HOST === '::' ? '127.0.0.1' : deps.config.WORKER_HOST;

  router.get('/stats/http-client', async (_req, res) => {
    const workers: Record<string, HttpClientStats | { up: false; error: string }> = {};
    await Promise.all(
      (
        [
          ['message-worker', deps.config.MESSAGE_WORKER_PORT],
          ['broadcast-worker', deps.config.BROADCAST_WORKER_PORT],
        ] as const
      ).map(async ([name, port]) => {
        try {
          const r = await fetch(`http://${host}:${port}/stats/http-client`, { signal: AbortSignal.timeout(1000) });
          workers[name] = r.ok ? ((await r.json()) as HttpClientStats) : { up: false, error: `HTTP ${r.status}` };
        } catch (err) {
          workers[name] = { up: false, error: (err as Error).message };
        }
      }),
    );
    const live = Object.values(workers).filter((w): w is HttpClientStats => 'requests' in w);
    const sum = (k: 'requests' | 'reused' | 'sockets' | 'freeSockets' | 'socketsCreated' | 'errors' | 'timeouts') => live.reduce((n, w) => n + w[k], 0);
    const requests = sum('requests');
    const total = { requests, reused: sum('reused'), reuseRatio: requests ? Math.round((sum('reused') / requests) * 10_000) / 10_000 : 0, sockets: sum('sockets'), freeSockets: sum('freeSockets'), socketsCreated: sum('socketsCreated'), errors: sum('errors'), timeouts: sum('timeouts') };
    res.json({ success: true, total, workers });
  });

  router.get('/stats/circuit-breaker', async (_req, res) => {
    const now = Date.now();
    const read = async (key: string, threshold: number) => {
      const [failures, openUntil] = await deps.redis.hmget(key, 'failures', 'openUntil');
      const until = Number(openUntil ?? 0);
      return { state: until > now ? 'open' : 'closed', failures: Number(failures ?? 0), threshold, ...(until > now ? { until: new Date(until).toISOString(), retryAfterMs: until - now } : {}) };
    };
    const instances = await deps.registry.list();
    const items = await Promise.all(
      instances.map(async (r) => ({
        instanceId: r.instanceId,
        channel: r.channel ?? 'whatsapp',
        instance: await read(keys.circuit(r.instanceId), deps.config.CIRCUIT_FAILURE_THRESHOLD),
        ...(r.channel === 'messenger' ? { page: await read(keys.messengerBreaker(r.instanceId), deps.config.MESSENGER_AUTH_FAILURES) } : {}),
      })),
    );
    res.json({ success: true, open: items.filter((i) => i.instance.state === 'open' || i.page?.state === 'open').length, items });
  });
  return router;
}
