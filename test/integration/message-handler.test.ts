import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { createQueues, consume, QueueSet } from '../../src/queues/factory';
import { EventPublisher } from '../../src/queues/publisher';
import { silentLogger } from '../../src/shared/logger';
import { redisKeys } from '../../src/shared/keys';
import { AppError } from '../../src/shared/errors';
import { StatusStore } from '../../src/messages/status-store';
import { messageJobHandler } from '../../src/messages/message-handler';
import { messageJobAttempts } from '../../src/messages/job-options';
import type { SendPipeline, SendRequest } from '../../src/messages/send-pipeline';
import { newMessageId } from '../../src/whatsapp/ids';

/**
 * message-worker's retry policy on real Bull and Redis, with a stand-in for the send pipeline that
 * answers from a script per message (the pipeline itself is covered by the end-to-end tests).
 */
const prefix = uniquePrefix('msg-handler');
const config = testConfig(prefix, { NOT_CONNECTED_RETRIES: 3, NOT_CONNECTED_DELAY_MS: 30, MESSAGE_ATTEMPTS: 3, MESSAGE_BACKOFF_MS: 20 });
const logger = silentLogger();
const redis = new IORedis(REDIS_URL);
const statuses = new StatusStore(redis, redisKeys(prefix), 1);
const scripts = new Map<string, Array<AppError | 'ok'>>();
const calls = new Map<string, number>();
let queueSet: QueueSet;

const pipeline = {
  statuses,
  async send(req: SendRequest) {
    calls.set(req.messageId, (calls.get(req.messageId) ?? 0) + 1);
    const next = scripts.get(req.messageId)?.shift() ?? 'ok';
    if (next !== 'ok') throw next;
    await statuses.apply(req.messageId, 'sent', { instanceId: req.instanceId, attempts: req.attempt });
    return { waMessageId: req.messageId, jid: `${req.to}@s.whatsapp.net`, timestamp: Date.now(), duplicate: false, waitedMs: 0 };
  },
} as unknown as SendPipeline;

async function queueMessage(answers: Array<AppError | 'ok'>): Promise<string> {
  const messageId = newMessageId();
  scripts.set(messageId, answers);
  await queueSet.queues.message.add(
    { messageId, instanceId: 'i-1', to: '5511999990001', content: { type: 'text', text: 'oi' }, createdAt: Date.now() },
    { jobId: messageId, attempts: messageJobAttempts(config) },
  );
  return messageId;
}

async function events(type: string, messageId: string) {
  const jobs = await queueSet.queues.webhook.getJobs(['waiting'], 0, -1, true);
  return jobs.filter((j) => j.data.event.type === type && (j.data.event.data as { messageId?: string }).messageId === messageId).map((j) => j.data.event);
}

beforeAll(() => {
  queueSet = createQueues(config, logger);
  const publisher = new EventPublisher(queueSet.queues.webhook, logger);
  consume(queueSet.queues.message, 5, messageJobHandler({ config, pipeline, events: publisher, logger }), logger);
});

afterAll(async () => {
  await queueSet.close();
  redis.disconnect();
  await cleanupPrefix(prefix);
});

const notConnected = () => new AppError('instance_not_connected', 'instance i-1 is reconnecting');
const transient = () => new AppError('transient', 'socket closed');

it('waits for a disconnected instance without counting it as a failure, then sends once', async () => {
  const id = await queueMessage([notConnected(), notConnected(), transient(), 'ok']);
  await waitFor(async () => (await events('message.sent', id)).length === 1, { what: 'sent' });
  const job = await queueSet.queues.message.getJob(id);
  expect(job?.data.notConnectedWaits).toBe(2);
  expect(calls.get(id)).toBe(4);
  expect((await statuses.get(id))?.status).toBe('sent');
  expect(await events('message.failed', id)).toHaveLength(0);
});

it('fails after NOT_CONNECTED_RETRIES waits, with one message.failed event', async () => {
  const id = await queueMessage(Array.from({ length: 10 }, notConnected));
  const [failed] = await waitFor(async () => events('message.failed', id).then((e) => (e.length ? e : undefined)), { what: 'failed' });
  expect(failed.data).toMatchObject({ error: { code: 'instance_not_connected' } });
  expect(calls.get(id)).toBe(4); // 3 waits + the try that exceeded them
  expect((await statuses.get(id))?.status).toBe('failed');
});

it('retries transient errors up to MESSAGE_ATTEMPTS and fails non-retryable ones at once', async () => {
  const flaky = await queueMessage([transient(), transient(), transient(), 'ok']);
  const invalid = await queueMessage([new AppError('invalid_recipient', 'not on WhatsApp'), 'ok']);
  await waitFor(async () => (await events('message.failed', flaky)).length === 1, { what: 'flaky failed' });
  await waitFor(async () => (await events('message.failed', invalid)).length === 1, { what: 'invalid failed' });
  expect(calls.get(flaky)).toBe(3);
  expect(calls.get(invalid)).toBe(1);
  expect(await statuses.get(invalid)).toMatchObject({ status: 'failed', error: { code: 'invalid_recipient' } });
  expect(await events('message.sent', flaky)).toHaveLength(0);
});
