import type { Redis } from 'ioredis';
import type { AnyQueue } from '../queues/factory';
import { queueSnapshot, QueueSnapshot, onJobOutcome } from '../queues/inspect';
import { withTimeout } from '../shared/redis';
import type { ProcessMetrics } from './registry';

const SCRAPE_TIMEOUT_MS = 1500;

/**
 * Queue depth by state and the age of the oldest waiting job, read from Redis at scrape time.
 * Both gauges share one read per scrape. While Redis is away the series are left out (and
 * wa_redis_up says 0) instead of failing the whole scrape.
 */
export function registerQueueGauges(metrics: ProcessMetrics, queues: AnyQueue[], redis: Redis): QueueReader {
  const reader = new QueueReader(queues, redis);
  metrics.gauge('wa_redis_up', '1 when this process has a ready Redis connection', [], (g) => g.set(redis.status === 'ready' ? 1 : 0));
  metrics.gauge('wa_queue_jobs', 'Jobs in each queue by state', ['queue', 'state'], async (g) => {
    g.reset();
    for (const [name, snap] of Object.entries(await reader.read())) {
      for (const [state, n] of Object.entries(snap.counts)) g.set({ queue: name, state }, n);
    }
  });
  metrics.gauge('wa_queue_oldest_waiting_seconds', 'Seconds the next waiting job of each queue has been due (0 = none waits)', ['queue'], async (g) => {
    g.reset();
    for (const [name, snap] of Object.entries(await reader.read())) g.set({ queue: name }, snap.oldestWaitingSeconds);
  });
  return reader;
}

/** One snapshot of the queues, reused for a short while (one scrape reads it twice). */
export class QueueReader {
  private last?: { at: number; value: Promise<Record<string, QueueSnapshot>> };

  constructor(readonly queues: AnyQueue[], private readonly redis: Redis, private readonly maxAgeMs = 500) {}

  read(): Promise<Record<string, QueueSnapshot>> {
    if (this.last && Date.now() - this.last.at < this.maxAgeMs) return this.last.value;
    const value = this.fetch();
    this.last = { at: Date.now(), value };
    return value;
  }

  private async fetch(): Promise<Record<string, QueueSnapshot>> {
    if (this.redis.status !== 'ready') return {};
    try {
      const snaps = await withTimeout(Promise.all(this.queues.map((q) => queueSnapshot(q))), SCRAPE_TIMEOUT_MS, 'queue snapshot timed out');
      return Object.fromEntries(this.queues.map((q, i) => [q.name, snaps[i]]));
    } catch {
      return {};
    }
  }
}

/** Counts every attempt this process finishes on `queue` (completed / failed / retried). */
export function countJobOutcomes(metrics: ProcessMetrics, queue: AnyQueue): void {
  metrics.jobs.inc({ queue: queue.name, outcome: 'completed' }, 0);
  metrics.jobs.inc({ queue: queue.name, outcome: 'failed' }, 0);
  metrics.jobs.inc({ queue: queue.name, outcome: 'retried' }, 0);
  onJobOutcome(queue, (outcome) => metrics.jobs.inc({ queue: queue.name, outcome }));
}

/** Size of the webhook dead-letter set (bounded by DEAD_LETTER_MAX). */
export function registerDeadLetterGauge(metrics: ProcessMetrics, redis: Redis, deadLettersKey: string): void {
  metrics.gauge('wa_dead_letters', 'Events in the webhook dead-letter set', [], async (g) => {
    if (redis.status !== 'ready') return;
    try {
      g.set(await withTimeout(redis.zcard(deadLettersKey), SCRAPE_TIMEOUT_MS, 'zcard timed out'));
    } catch {
      /* left at its last value; wa_redis_up tells why */
    }
  });
}

/** Sessions of this process by status (whatsapp-server). */
export function registerSessionGauge(metrics: ProcessMetrics, counts: () => { byStatus: Partial<Record<string, number>> }): void {
  metrics.gauge('wa_sessions', 'WhatsApp sessions held by this process, by status', ['status'], (g) => {
    g.reset();
    // the usual statuses are always present (0), so dashboards and alerts never see a gap
    for (const status of ['connected', 'connecting', 'qr', 'reconnecting', 'disconnected', 'logged_out', 'failed']) g.set({ status }, 0);
    for (const [status, n] of Object.entries(counts().byStatus)) g.set({ status }, n ?? 0);
  });
}
