import type { Config } from '../shared/config';

const WORKERS = [
  ['message-worker', 'MESSAGE_WORKER_PORT'],
  ['webhook-worker', 'WEBHOOK_WORKER_PORT'],
  ['broadcast-worker', 'BROADCAST_WORKER_PORT'],
] as const;

/** Where the workers listen (loopback ports). */
export type WorkerStatsConfig = Pick<Config, 'WORKER_HOST' | (typeof WORKERS)[number][1]>;

/**
 * Each worker's own GET /stats, fetched over loopback with a short deadline, so whatsapp-server's
 * /stats shows all four processes in one answer. A worker that does not answer is reported as
 * such instead of delaying the rest.
 */
export async function fetchWorkerStats(config: WorkerStatsConfig, timeoutMs = 1000): Promise<Record<string, unknown>> {
  const host = config.WORKER_HOST === '0.0.0.0' || config.WORKER_HOST === '::' ? '127.0.0.1' : config.WORKER_HOST;
  const entries = await Promise.all(
    WORKERS.map(async ([name, portVar]) => {
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${config[portVar]}/stats`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) return [name, { up: false, error: `HTTP ${res.status}` }] as const;
        return [name, { up: true, ...((await res.json()) as Record<string, unknown>) }] as const;
      } catch (err) {
        return [name, { up: false, error: (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
