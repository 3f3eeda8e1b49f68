import { jest } from '@jest/globals';
import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { createQueues, QueueSet } from '../../src/queues/factory';
import { JobBatchWriter } from '../../src/queues/job-batch';
import { silentLogger } from '../../src/shared/logger';
import type { AnyEvent } from '../../src/events/envelope';

/**
 * The batched job writer (src/queues/job-batch.ts) against Bull's own queue.add on real Redis:
 * the stored job is the one Bull stores, Bull's worker takes it, an id already present is not
 * added again, and a paused queue keeps the new jobs in paused.
 */
const prefix = uniquePrefix('job-batch');
const config = testConfig(prefix);
const redis = new IORedis(REDIS_URL);
let queueSet: QueueSet;

const event = (id: string) => ({ event: { id, type: 'message.sent', instanceId: 'i-1', data: { messageId: id } } as unknown as AnyEvent });

beforeAll(() => {
  queueSet = createQueues(config, silentLogger());
});

afterAll(async () => {
  await queueSet.close();
  await cleanupPrefix(prefix);
  redis.disconnect();
});

test('a batched job is stored field for field as queue.add stores it', async () => {
  const queue = queueSet.queues.webhook;
  await queue.add(event('by-bull'), { jobId: 'by-bull' });
  await new JobBatchWriter(queue).add(event('by-batch'), 'by-batch');
  const bull = await redis.hgetall(`${prefix}:webhook:by-bull`);
  const ours = await redis.hgetall(`${prefix}:webhook:by-batch`);
  const strip = (h: Record<string, string>, id: string) => {
    const opts = JSON.parse(h.opts) as Record<string, unknown>;
    return { ...h, data: h.data.replaceAll(id, 'ID'), timestamp: 'T', opts: JSON.stringify({ ...opts, jobId: 'ID', timestamp: 'T' }) };
  };
  expect(Object.keys(ours).sort()).toEqual(Object.keys(bull).sort());
  expect(strip(ours, 'by-batch')).toEqual(strip(bull, 'by-bull'));
  expect(JSON.parse(ours.opts).timestamp).toBe(Number(ours.timestamp));
  expect(await redis.lrange(`${prefix}:webhook:wait`, 0, -1)).toEqual(['by-batch', 'by-bull']);
  const job = await queue.getJob('by-batch');
  expect(job?.data).toEqual(event('by-batch'));
  expect(job?.opts.attempts).toBe(config.WEBHOOK_RETRY_SCHEDULE.length + 1);
});

test('jobs added in one tick are written together; a repeated id is not added twice; a worker takes them', async () => {
  const queue = queueSet.queues.broadcast as unknown as typeof queueSet.queues.webhook;
  const writer = new JobBatchWriter(queue);
  await writer.add(event('warm'), 'warm'); // the script is loaded
  await queue.removeJobs('warm');
  const calls = jest.spyOn(queue.client, 'evalsha');
  await Promise.all(['a', 'b', 'c', 'a'].map((id) => writer.add(event(id), id)));
  expect(calls).toHaveBeenCalledTimes(1);
  calls.mockRestore();
  await writer.add(event('b'), 'b');
  expect((await redis.lrange(`${prefix}:broadcast:wait`, 0, -1)).sort()).toEqual(['a', 'b', 'c']);
  const seen: string[] = [];
  void queue.process(2, async (job) => void seen.push(String(job.id)));
  await waitFor(() => seen.length === 3);
  expect(seen.sort()).toEqual(['a', 'b', 'c']);
  await waitFor(async () => (await queue.getCompletedCount()) === 3);
});

test('while the queue is paused new jobs wait in paused, as with queue.add', async () => {
  const queue = queueSet.queues.message as unknown as typeof queueSet.queues.webhook;
  await queue.pause();
  await new JobBatchWriter(queue).add(event('p1'), 'p1');
  expect(await redis.lrange(`${prefix}:message:paused`, 0, -1)).toEqual(['p1']);
  expect(await redis.llen(`${prefix}:message:wait`)).toBe(0);
  await queue.resume();
  expect(await redis.lrange(`${prefix}:message:wait`, 0, -1)).toEqual(['p1']);
});

test('a batch with per-job options stores what queue.add stores for them (add-message jobs)', async () => {
  const queue = queueSet.queues.message;
  const data = (id: string) => ({ messageId: id, instanceId: 'i-1', to: '5511999990001', content: { type: 'text' as const, text: 'oi' }, createdAt: 1 });
  await queue.add(data('m-bull'), { jobId: 'm-bull', attempts: 7, stackTraceLimit: 3 });
  await new JobBatchWriter(queue).addBatch([{ data: data('m-batch'), jobId: 'm-batch', opts: { attempts: 7, stackTraceLimit: 3 } }]);
  const bull = await redis.hgetall(`${prefix}:message:m-bull`);
  const ours = await redis.hgetall(`${prefix}:message:m-batch`);
  const opts = (h: Record<string, string>) => ({ ...JSON.parse(h.opts), jobId: 'ID', timestamp: 'T' });
  expect(opts(ours)).toEqual(opts(bull));
  expect(ours.data.replaceAll('m-batch', 'ID')).toBe(bull.data.replaceAll('m-bull', 'ID'));
  expect({ ...ours, data: '', opts: '', timestamp: '' }).toEqual({ ...bull, data: '', opts: '', timestamp: '' });
  expect((await queue.getJob('m-batch'))?.opts).toMatchObject({ attempts: 7, stackTraceLimit: 3, jobId: 'm-batch' });
});
