import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { redisKeys } from '../shared/keys';
import type { AnyQueue } from '../queues/factory';
import { countJobOutcomes, QueueReader, registerDeadLetterGauge, registerQueueGauges, registerSessionGauge } from './collectors';
import { MonitProbe, MonitReporter, perMinute, startPm2Monit } from './pm2-monit';
import type { ProcessMetrics } from './registry';

export interface Instrumented {
  reader: QueueReader;
  monit: MonitReporter;
  close(): void;
}

type SessionCounts = () => { total: number; byStatus: Partial<Record<string, number>> };

const waiting = (reader: QueueReader, name: string) => async () => {
  const c = (await reader.read())[name]?.counts;
  if (!c) throw new Error('no counts');
  return c.waiting + c.paused;
};
const count = (reader: QueueReader, name: string, state: 'delayed' | 'active' | 'failed') => async () => {
  const c = (await reader.read())[name]?.counts;
  if (!c) throw new Error('no counts');
  return c[state];
};

/**
 * A worker's series: its queue's depth and age, its job outcomes (listeners on the queue it
 * consumes), the dead-letter size on webhook-worker, and the same few numbers in pm2 monit.
 */
export function instrumentWorker(metrics: ProcessMetrics, deps: { queue: AnyQueue; redis: Redis; config: Config }): Instrumented {
  const { queue, redis, config } = deps;
  const reader = registerQueueGauges(metrics, [queue], redis);
  countJobOutcomes(metrics, queue);
  const q = queue.name;
  const probes: MonitProbe[] = [
    { name: 'Waiting', value: waiting(reader, q) },
    { name: 'Delayed', value: count(reader, q, 'delayed') },
    { name: 'Active', value: count(reader, q, 'active') },
    { name: 'Oldest waiting', unit: 's', value: async () => Math.round((await reader.read())[q]?.oldestWaitingSeconds ?? 0) },
    { name: 'Jobs/min', value: perMinute(metrics.jobs, [{ queue: q, outcome: 'completed' }]) },
    { name: 'Failures/min', value: perMinute(metrics.jobs, [{ queue: q, outcome: 'failed' }, { queue: q, outcome: 'retried' }]) },
    { name: 'Failed (in queue)', value: count(reader, q, 'failed') },
  ];
  if (q === 'webhook') {
    const deadLetters = redisKeys(config.QUEUE_PREFIX).deadLetters;
    registerDeadLetterGauge(metrics, redis, deadLetters);
    probes.push({ name: 'Delivered/min', value: perMinute(metrics.webhookDeliveries, [{ outcome: 'delivered' }]) });
    probes.push({ name: 'Dead letters', value: () => redis.zcard(deadLetters) });
  } else {
    probes.push({ name: 'Sent/min', value: perMinute(metrics.sends, [{ outcome: 'sent' }]) });
  }
  const monit = startPm2Monit(probes, { intervalMs: config.PM2_METRICS_INTERVAL_MS });
  return { reader, monit, close: () => monit.stop() };
}

/** whatsapp-server's series: all three queues, dead letters, sessions by status. */
export function instrumentServer(metrics: ProcessMetrics, deps: { queues: AnyQueue[]; redis: Redis; config: Config; sessions?: SessionCounts }): Instrumented {
  const { queues, redis, config } = deps;
  const reader = registerQueueGauges(metrics, queues, redis);
  const deadLetters = redisKeys(config.QUEUE_PREFIX).deadLetters;
  registerDeadLetterGauge(metrics, redis, deadLetters);
  const probes: MonitProbe[] = queues.map((q) => ({ name: `${q.name} waiting`, value: waiting(reader, q.name) }));
  probes.push(...queues.map((q) => ({ name: `${q.name} failed`, value: count(reader, q.name, 'failed') })));
  probes.push({ name: 'Dead letters', value: () => redis.zcard(deadLetters) });
  if (deps.sessions) {
    const sessions = deps.sessions;
    registerSessionGauge(metrics, sessions);
    probes.push({ name: 'Sessions', value: () => sessions().total });
    probes.push({ name: 'Connected', value: () => sessions().byStatus.connected ?? 0 });
  }
  const monit = startPm2Monit(probes, { intervalMs: config.PM2_METRICS_INTERVAL_MS });
  return { reader, monit, close: () => monit.stop() };
}
