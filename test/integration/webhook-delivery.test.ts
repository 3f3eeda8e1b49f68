import { TestEvent, fixtureEvent, fixtureInput } from '../helpers/env';
import { createServer } from 'node:http';
import request from 'supertest';
import IORedis from 'ioredis';
import type { Express } from 'express';
import { cleanupPrefix, freePort, REDIS_URL, sleep, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { Receiver, ReceivedRequest } from '../helpers/receiver';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { createQueues, QueueSet } from '../../src/queues/factory';
import { EventPublisher } from '../../src/queues/publisher';
import { createServerApp } from '../../src/http/server-app';
import { publicRoom, PublicRoomDeps } from '../../src/http/rooms/public';
import { createAccess } from '../../src/http/access/authenticate';
import { InstanceRegistry } from '../../src/whatsapp/instances/registry';
import { redisKeys } from '../../src/shared/keys';
import { verifySignature } from '../../src/webhooks/signature';
import { WebhookDeliverer } from '../../src/webhooks/deliver';
import { DeadLetterStore } from '../../src/webhooks/dead-letters';
import { deadLetterStalledJobs } from '../../src/webhooks/handler';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';
import type { Config } from '../../src/shared/config';

const prefix = uniquePrefix('webhooks');
const logger = silentLogger();
const SERVICE_KEY = 'service-role-key-for-tests';
const receiver = new Receiver();
/** statuses (and headers) the receiver answers per event id, in order; then 200 */
const plans = new Map<string, Array<{ status: number; headers?: Record<string, string> }>>();
let config: Config;
let worker: Running;
let producer: QueueSet;
let publisher: EventPublisher;
let redis: IORedis;
let app: Express;
const auth = { Authorization: `Bearer ${TEST_SECRETS.API_KEY}` };

const eventId = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}`;
const forEvent = (id: string) => receiver.requests.filter((r) => (r.json as { id?: string } | undefined)?.id === id);
const publish = (input: Omit<TestEvent, 'instanceId'> & { instanceId?: string }) => publisher.publishAndWait({ instanceId: 'inst-1', ...input });

beforeAll(async () => {
  receiver.respond = (req: ReceivedRequest) => plans.get((req.json as { id: string }).id)?.shift() ?? { status: 200 };
  await receiver.start();
  config = testConfig(prefix, {
    WEBHOOK_WORKER_PORT: await freePort(),
    SUPABASE_FUNCTIONS_URL: `${receiver.url}/functions/v1`,
    WEBHOOK_URL_CAMPAIGN: `${receiver.url}/crm/campaigns`,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    // 4 attempts: the first, then retries 50 ms apart
    WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms',
    WEBHOOK_CONCURRENCY: 5,
  });
  worker = await startWorker(webhookWorkerSpec(config, logger), config, logger);
  producer = createQueues(config, logger);
  publisher = new EventPublisher(producer.queues.webhook, logger);
  redis = new IORedis(REDIS_URL);
  // only the public room's webhook routes are used here: no sessions, events or add-message
  const access = createAccess({ apiKey: TEST_SECRETS.API_KEY, redis, prefix, ratePerMin: 0 });
  // the public room reads the instance registry through the sessions
  const sessions = { registry: new InstanceRegistry(redis, redisKeys(prefix)) };
  const deps = { config, logger, redis, queues: producer.queues, access, events: publisher, sessions } as unknown as PublicRoomDeps;
  app = createServerApp({ logger, health: { processName: 'whatsapp-server', redis, queues: Object.values(producer.queues) }, rooms: [], fallback: publicRoom(deps) });
});

afterAll(async () => {
  await worker?.close();
  await producer?.close();
  redis?.disconnect();
  await receiver.stop();
  await cleanupPrefix(prefix);
});

describe('webhook delivery', () => {
  it('posts the signed envelope with the Supabase key to the family edge function', async () => {
    const event = await publish({ type: 'message.received', data: { from: '5511999999999', text: 'olá' } });
    const [req] = await waitFor(() => (forEvent(event.id).length ? forEvent(event.id) : undefined), { what: 'delivery' });
    expect(req.path).toBe('/functions/v1/webhook_whatsapp_web');
    expect(req.json).toEqual({ id: event.id, type: 'message.received', instanceId: 'inst-1', timestamp: event.timestamp, data: event.data });
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(verifySignature({ secret: TEST_SECRETS.WEBHOOK_SECRET, body: req.body, headers: req.headers as Record<string, string> })).toBe(true);
    expect(verifySignature({ secret: 'some-other-secret-value', body: req.body, headers: req.headers as Record<string, string> })).toBe(false);
    expect(req.headers.authorization).toBe(`Bearer ${SERVICE_KEY}`);
    expect(req.headers.apikey).toBe(SERVICE_KEY);
  });

  it('routes each family to its function, campaigns to their URL, and a targetUrl wins', async () => {
    const cases: Array<[TestEvent['type'], string, string?]> = [
      ['message.status', '/functions/v1/webhook_whatsapp_web'],
      ['message.sent', '/functions/v1/webhook_whatsapp_web'],
      ['connection.update', '/functions/v1/auto_whatsapp_sync'],
      ['instance.circuit', '/functions/v1/auto_whatsapp_sync'],
      ['qr.updated', '/functions/v1/webhook_qr_receiver'],
      ['pairing.code', '/functions/v1/webhook_qr_receiver'],
      ['campaign.progress', '/crm/campaigns'],
      ['qr.updated', '/instances/inst-9/hook', `${receiver.url}/instances/inst-9/hook`],
      ['campaign.completed', '/campaign-callback/c1', `${receiver.url}/campaign-callback/c1`],
    ];
    const events = await Promise.all(cases.map(([type, , targetUrl]) => publish({ type, data: {}, ...(targetUrl ? { targetUrl } : {}) })));
    await waitFor(() => events.every((e) => forEvent(e.id).length === 1), { what: 'all routed' });
    events.forEach((e, i) => expect([cases[i][0], forEvent(e.id)[0].path]).toEqual([cases[i][0], cases[i][1]]));
    // the routing detail never reaches the receiver
    expect(forEvent(events[7].id)[0].json).not.toHaveProperty('targetUrl');
  });

  it('retries 500, 500 then succeeds once, with the same webhook-id each time', async () => {
    const id = eventId('retry');
    plans.set(id, [{ status: 500 }, { status: 503 }]);
    await publish({ id, type: 'connection.update', data: { state: 'open' } });
    await waitFor(() => forEvent(id).length === 3, { what: 'three deliveries' });
    await sleep(300);
    const reqs = forEvent(id);
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
    expect(reqs.every((r) => verifySignature({ secret: TEST_SECRETS.WEBHOOK_SECRET, body: r.body, headers: r.headers as Record<string, string> }))).toBe(true);
    const job = await waitFor(async () => {
      const j = await producer.queues.webhook.getJob(id);
      return j?.finishedOn ? j : undefined;
    }, { what: 'job finished' });
    expect(await job.getState()).toBe('completed');
  });

  it('honours Retry-After on 429', async () => {
    const id = eventId('ratelimited');
    plans.set(id, [{ status: 429, headers: { 'Retry-After': '1' } }]);
    await publish({ id, type: 'message.received', data: {} });
    await waitFor(() => forEvent(id).length === 2, { what: 'second delivery', timeoutMs: 8000 });
    const [first, second] = forEvent(id);
    // the schedule's retry here is after 50 ms; the header asked for 1 s
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
  });

  it('dead-letters a 422 after one try, lists it and replays it with the same webhook-id', async () => {
    const id = eventId('refused');
    plans.set(id, [{ status: 422 }]);
    await publish({ id, type: 'message.received', data: { text: 'x' } });
    const listed = await waitFor(async () => {
      const res = await request(app).get('/webhooks/dead?limit=100').set(auth);
      return (res.body.items as Array<{ id: string }>).find((i) => i.id === id) && res.body;
    }, { what: 'dead letter listed' });
    const entry = listed.items.find((i: { id: string }) => i.id === id);
    expect(entry).toMatchObject({ id, lastStatus: 422, attempts: 1, url: `${receiver.url}/functions/v1/webhook_whatsapp_web` });
    expect(entry.event).toMatchObject({ id, type: 'message.received' });
    expect(listed.total).toBeGreaterThanOrEqual(1);
    expect(forEvent(id)).toHaveLength(1);
    expect(await (await producer.queues.webhook.getJob(id))!.getState()).toBe('failed');

    const replay = await request(app).post('/webhooks/replay').set(auth).send({ ids: [id, 'no-such-event'] });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ success: true, replayed: [id], notFound: ['no-such-event'] });
    await waitFor(() => forEvent(id).length === 2, { what: 'replayed delivery' });
    expect(forEvent(id)[1].headers['webhook-id']).toBe(id);
    const after = await request(app).get('/webhooks/dead').set(auth);
    expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
  });

  it('dead-letters after the last attempt, and replay without ids replays everything', async () => {
    const id = eventId('exhausted');
    plans.set(id, [{ status: 500 }, { status: 500 }, { status: 502 }, { status: 504 }]);
    await publish({ id, type: 'qr.updated', data: { qr: 'abc' } });
    const entry = await waitFor(async () => {
      const res = await request(app).get('/webhooks/dead').set(auth);
      return (res.body.items as Array<{ id: string }>).find((i) => i.id === id);
    }, { what: 'dead letter after retries' });
    expect(entry).toMatchObject({ attempts: 4, lastStatus: 504 });
    expect(forEvent(id)).toHaveLength(4);
    const replay = await request(app).post('/webhooks/replay').set(auth).send({});
    expect(replay.body.replayed).toContain(id);
    await waitFor(() => forEvent(id).length === 5, { what: 'replayed delivery' });
    await waitFor(async () => (await request(app).get('/webhooks/dead').set(auth)).body.total === 0, { what: 'dead set empty' });
  });

  it('dead-letters a job Bull failed by itself after too many stalls', async () => {
    const store = new DeadLetterStore(redis, prefix, 100);
    const queue = producer.queues.webhook;
    deadLetterStalledJobs(queue, store, logger);
    const id = eventId('stalled');
    const event = { id, type: 'message.received' as const, instanceId: 'inst-1', timestamp: new Date().toISOString(), data: {} };
    // what Bull's stalled-job check emits; the job itself is never delivered by this test
    queue.emit('failed', { data: { event }, attemptsMade: 0 }, new Error('job stalled more than allowable limit'));
    queue.emit('failed', { data: { event: { ...event, id: `${id}-other` } }, attemptsMade: 1 }, new Error('edge function answered HTTP 500'));
    await waitFor(async () => (await store.getMany([id])).length, { what: 'stalled job dead-lettered' });
    expect((await store.getMany([id]))[0]).toMatchObject({ id, attempts: 0, event: { id } });
    expect(await store.getMany([`${id}-other`])).toEqual([]);
    await store.removeIf(id);
  });

  it('answers bad input with 400 and a missing key with 401', async () => {
    expect((await request(app).get('/webhooks/dead?limit=abc').set(auth)).status).toBe(400);
    expect((await request(app).get('/webhooks/dead?offset=-1').set(auth)).status).toBe(400);
    const bad = await request(app).post('/webhooks/replay').set(auth).send({ ids: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await request(app).post('/webhooks/replay').set(auth).send({ ids: [] })).status).toBe(400);
    expect((await request(app).get('/webhooks/dead')).status).toBe(401);
  });
});

describe('webhook deliverer against misbehaving endpoints', () => {
  it('classifies a hanging endpoint as a retryable timeout and a closed port as transient', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const deliverer = new WebhookDeliverer({ secret: TEST_SECRETS.WEBHOOK_SECRET, timeoutMs: 200, maxSockets: 4 });
    const event = fixtureEvent({ id: 'e1', type: 'message.received', instanceId: 'i', timestamp: new Date().toISOString(), data: {} });
    try {
      await expect(deliverer.deliver(`http://127.0.0.1:${(hanging.address() as { port: number }).port}/x`, event)).rejects.toMatchObject({ code: 'timeout', retryable: true });
      await expect(deliverer.deliver(`http://127.0.0.1:${await freePort()}/x`, event)).rejects.toMatchObject({ code: 'transient', retryable: true });
      await expect(deliverer.deliver('ftp://example.com/x', event)).rejects.toMatchObject({ retryable: false });
    } finally {
      deliverer.close();
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });
});

describe('webhook delivery with no URL configured', () => {
  const quietPrefix = uniquePrefix('webhooks-nourl');
  const base = { WEBHOOK_RETRY_SCHEDULE: '50ms', WEBHOOK_UNROUTED_RETRY_MS: 150 };
  let running: Running | undefined;
  let queues: QueueSet;

  afterAll(async () => {
    await running?.close();
    await queues?.close();
    await cleanupPrefix(quietPrefix);
  });

  it('keeps the event waiting in Redis without using attempts, then delivers it once a URL is set', async () => {
    const noUrl = testConfig(quietPrefix, { ...base, WEBHOOK_WORKER_PORT: await freePort() });
    running = await startWorker(webhookWorkerSpec(noUrl, logger), noUrl, logger);
    queues = createQueues(noUrl, logger);
    const event = await new EventPublisher(queues.queues.webhook, logger).publishAndWait(fixtureInput({ type: 'message.received', instanceId: 'inst-2', data: {} }));
    // ~10 re-checks at 150 ms; with 2 attempts the job would have failed after the second one
    await sleep(1500);
    const job = await queues.queues.webhook.getJob(event.id);
    expect(job).not.toBeNull();
    expect(['delayed', 'waiting', 'active']).toContain(await job!.getState());
    expect(job!.attemptsMade).toBe(0);
    expect(forEvent(event.id)).toHaveLength(0);
    await running.close();

    const withUrl = testConfig(quietPrefix, { ...base, WEBHOOK_WORKER_PORT: await freePort(), SUPABASE_FUNCTIONS_URL: `${receiver.url}/fn` });
    running = await startWorker(webhookWorkerSpec(withUrl, logger), withUrl, logger);
    await waitFor(() => forEvent(event.id).length === 1, { what: 'delivery after configuration' });
    expect(forEvent(event.id)[0].path).toBe('/fn/webhook_whatsapp_web');
  });
});
