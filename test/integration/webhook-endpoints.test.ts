import request from 'supertest';
import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, sleep, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { Receiver, ReceivedRequest } from '../helpers/receiver';
import { WebhookStack } from '../helpers/webhook-stack';
import { verifySignature } from '../../src/webhooks/signature';
import { endpointOf } from '../../src/webhooks/endpoints/endpoint';
import { EndpointStore, EndpointView } from '../../src/webhooks/endpoints/endpoint-store';
import { BacklogWaker } from '../../src/webhooks/endpoints/waker';
import { createQueues, QueueSet } from '../../src/queues/factory';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';

const receiver = new Receiver();
/** paths answering this status instead of 200 */
const failing = new Map<string, number>();
const SIGNING_KEY = `whsk_${Buffer.alloc(32, 3).toString('base64')}`;
let stack: WebhookStack;

const idOf = (r: ReceivedRequest) => (r.json as { id?: string } | undefined)?.id;
const okFor = (path: string) => receiver.on(path).filter((r) => !failing.has(path) || r.at < 0);
const statusEvents = (state: string) =>
  receiver.on('/fn/auto_whatsapp_sync').filter((r) => (r.json as { type: string; data: { state?: string } }).type === 'webhook.endpoint' && (r.json as { data: { state: string } }).data.state === state);
async function endpoint(path: string): Promise<EndpointView | undefined> {
  const res = await request(stack.app).get('/webhooks/endpoints').set(stack.auth);
  expect(res.status).toBe(200);
  return (res.body.items as EndpointView[]).find((e) => e.url === `${receiver.url}${path}`);
}
const publishTo = (path: string, n: number, tag: string) =>
  Promise.all(Array.from({ length: n }, (_, i) => stack.publish({ type: 'message.received', instanceId: 'inst-ep', data: { text: `${tag}-${i}` } as never, targetUrl: `${receiver.url}${path}` })));

beforeAll(async () => {
  receiver.respond = (req) => ({ status: failing.get(req.path) ?? 200 });
  await receiver.start();
  stack = await new WebhookStack('webhook-endpoints', {
    SUPABASE_FUNCTIONS_URL: `${receiver.url}/fn`,
    WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms',
    WEBHOOK_CONCURRENCY: 2,
    WEBHOOK_CIRCUIT_THRESHOLD: 3,
    WEBHOOK_CIRCUIT_PAUSE_MS: 300,
    WEBHOOK_CIRCUIT_MAX_PAUSE_MS: 1200,
    // held deliveries would look again only after a minute: anything sooner is the waker's doing
    WEBHOOK_HELD_RECHECK_MS: 60_000,
    WEBHOOK_TIMEOUT_MS: 1000,
    WEBHOOK_SIGNING_KEY: SIGNING_KEY,
  }).start();
});

afterAll(async () => {
  await stack?.close();
  await receiver.stop();
});

describe('webhook endpoint health (real Redis, local receiver)', () => {
  it('pauses a failing endpoint (held events use no attempts), probes it, and resumes when it answers', async () => {
    failing.set('/ep-down', 503);
    const events = await publishTo('/ep-down', 20, 'down');
    const paused = await waitFor(async () => {
      const e = await endpoint('/ep-down');
      return e?.state === 'paused' || e?.state === 'probing' ? e : undefined;
    }, { what: 'endpoint paused' });
    expect(paused).toMatchObject({ failures: 3, lastStatus: 503, lastError: expect.stringContaining('503') });
    // three pauses (300, 600, 1200 ms) with failing probes; the 3-retry schedule would have dead-lettered by now
    await sleep(2000);
    const whileDown = receiver.on('/ep-down').length;
    // the failures that opened it (and those in flight then) plus one probe per pause
    expect(whileDown).toBeLessThanOrEqual(3 + 2 + 4);
    const jobs = await Promise.all(events.map((e) => stack.producer.queues.webhook.getJob(e.id)));
    for (const job of jobs) expect(['delayed', 'waiting', 'active']).toContain(await job!.getState());
    expect(Math.max(...jobs.map((j) => j!.attemptsMade))).toBeLessThanOrEqual(1);
    expect((await endpoint('/ep-down'))!.backlog).toBeGreaterThanOrEqual(15);
    expect(statusEvents('paused').map((r) => (r.json as { instanceId: string; data: object }).data)).toEqual([
      expect.objectContaining({ endpointId: endpointOf(`${receiver.url}/ep-down`).id, url: `${receiver.url}/ep-down`, state: 'paused', failures: 3, pauseMs: 300 }),
    ]);

    failing.delete('/ep-down');
    const back = Date.now();
    // the next probe (at most 1.2 s away) succeeds and wakes every held delivery at once
    await waitFor(() => events.every((e) => receiver.on('/ep-down').some((r) => idOf(r) === e.id && r.at >= back)), { what: 'all delivered after recovery', timeoutMs: 10_000 });
    const delivered = receiver.on('/ep-down').filter((r) => r.at >= back);
    expect(delivered).toHaveLength(20);
    expect(Date.now() - back).toBeLessThan(5000);
    await waitFor(async () => (await endpoint('/ep-down'))?.backlog === 0, { what: 'backlog empty' });
    expect(await endpoint('/ep-down')).toMatchObject({ state: 'active', failures: 0 });
    await waitFor(() => statusEvents('resumed').length === 1, { what: 'resumed event' });
  });

  it('disables an endpoint answering 410 (events wait, reported once) until POST /webhooks/endpoints/:id/enable', async () => {
    failing.set('/ep-gone', 410);
    const events = await publishTo('/ep-gone', 3, 'gone');
    const disabled = await waitFor(async () => {
      const e = await endpoint('/ep-gone');
      return e?.state === 'disabled' && e.backlog === 3 ? e : undefined;
    }, { what: 'endpoint disabled with its backlog' });
    expect(disabled.disabled).toMatchObject({ httpStatus: 410, reason: expect.stringContaining('410') });
    await sleep(300);
    expect(receiver.on('/ep-gone').length).toBeLessThanOrEqual(2);
    const dead = await request(stack.app).get('/webhooks/dead?limit=500').set(stack.auth);
    expect(dead.body.items.map((d: { id: string }) => d.id)).not.toEqual(expect.arrayContaining([events[0].id]));
    await waitFor(() => statusEvents('disabled').length === 1, { what: 'disabled event' });
    expect((statusEvents('disabled')[0].json as { data: object }).data).toMatchObject({ endpointId: disabled.id, httpStatus: 410 });
    const metrics = await (await fetch(`http://127.0.0.1:${stack.config.WEBHOOK_WORKER_PORT}/metrics`)).text();
    expect(metrics).toMatch(/wa_webhook_endpoints\{[^}]*state="disabled"[^}]*\} 1/);

    expect((await request(stack.app).post('/webhooks/endpoints/nothex/enable').set(stack.auth)).status).toBe(400);
    expect((await request(stack.app).post('/webhooks/endpoints/0123456789abcdef/enable').set(stack.auth)).status).toBe(404);
    failing.delete('/ep-gone');
    const before = receiver.on('/ep-gone').length;
    const res = await request(stack.app).post(`/webhooks/endpoints/${disabled.id}/enable`).set(stack.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, wasDisabled: true, woken: 3, endpoint: { id: disabled.id, state: 'active' } });
    // held for a minute at least, woken at once by the enable
    await waitFor(() => receiver.on('/ep-gone').length === before + 3, { what: 'held events delivered after enable', timeoutMs: 5000 });
    expect(new Set(receiver.on('/ep-gone').slice(before).map(idOf))).toEqual(new Set(events.map((e) => e.id)));
    await waitFor(() => statusEvents('enabled').length === 1, { what: 'enabled event' });
  });

  it('signs v1 and v1a; GET /webhooks/public-key gives the key that verifies v1a', async () => {
    const res = await request(stack.app).get('/webhooks/public-key').set(stack.auth);
    expect(res.body).toMatchObject({ success: true, algorithm: 'ed25519', signatureVersion: 'v1a', publicKey: expect.stringMatching(/^whpk_/) });
    const [event] = await publishTo('/ep-signed', 1, 'signed');
    const [req] = await waitFor(() => (receiver.on('/ep-signed').length ? receiver.on('/ep-signed') : undefined), { what: 'signed delivery' });
    expect(idOf(req)).toBe(event.id);
    expect(String(req.headers['webhook-signature']).split(' ').map((s) => s.split(',')[0])).toEqual(['v1', 'v1a']);
    expect(verifySignature({ publicKey: res.body.publicKey, body: req.body, headers: req.headers as Record<string, string> })).toBe(true);
    expect(verifySignature({ secret: stack.config.WEBHOOK_SECRET, body: req.body, headers: req.headers as Record<string, string> })).toBe(true);
    expect((await request(stack.app).get('/webhooks/public-key')).status).toBe(401);
  });
});

describe('webhook endpoint rate limit', () => {
  const rateReceiver = new Receiver();
  let rated: WebhookStack;

  beforeAll(async () => {
    await rateReceiver.start();
    rated = await new WebhookStack('webhook-rate', { SUPABASE_FUNCTIONS_URL: `${rateReceiver.url}/fn`, WEBHOOK_ENDPOINT_RATE_PER_S: 5, WEBHOOK_CONCURRENCY: 20 }).start();
  });
  afterAll(async () => {
    await rated?.close();
    await rateReceiver.stop();
  });

  it('delivers at most WEBHOOK_ENDPOINT_RATE_PER_S per second to one URL, other URLs unaffected', async () => {
    const to = (path: string, n: number) => Promise.all(Array.from({ length: n }, () => rated.publish({ type: 'message.received', instanceId: 'inst-r', data: {} as never, targetUrl: `${rateReceiver.url}${path}` })));
    const t0 = Date.now();
    await Promise.all([to('/slow', 15), to('/other', 5)]);
    await waitFor(() => rateReceiver.on('/slow').length === 15 && rateReceiver.on('/other').length === 5, { what: 'all delivered', timeoutMs: 15_000 });
    const times = rateReceiver.on('/slow').map((r) => r.at).sort((a, b) => a - b);
    // a burst of 5, then one every 200 ms: the 15th about 2 s after the first
    expect(times[14] - times[0]).toBeGreaterThanOrEqual(1700);
    // after the burst the average is the rate (a late slot lets the next one follow closely: GCRA)
    expect(times[14] - times[5]).toBeGreaterThanOrEqual(1400);
    // never more than rate + burst (10) in one second
    for (let i = 0; i + 10 < times.length; i++) expect(times[i + 10] - times[i]).toBeGreaterThanOrEqual(950);
    expect(Math.max(...rateReceiver.on('/other').map((r) => r.at)) - t0).toBeLessThan(1500);
  });
});

describe('waking held deliveries', () => {
  const prefix = uniquePrefix('webhook-waker');
  const logger = silentLogger();
  const redis = new IORedis(REDIS_URL);
  let queues: QueueSet;
  beforeAll(() => {
    queues = createQueues(testConfig(prefix), logger);
  });
  afterAll(async () => {
    await queues.close();
    redis.disconnect();
    await cleanupPrefix(prefix);
  });

  it('promotes every held job even while deliveries leave the backlog (pages by time, not rank)', async () => {
    const store = new EndpointStore(redis, redisKeys(prefix));
    const queue = queues.queues.webhook;
    const ids = Array.from({ length: 450 }, (_, i) => `held-${i}`);
    for (const id of ids) await queue.add({ event: { id, type: 'message.received', instanceId: 'w', timestamp: '', data: {} } as never }, { jobId: id, delay: 3_600_000 });
    // many entries share one millisecond, as a burst of holds does
    await redis.zadd(redisKeys(prefix).webhookEndpointBacklog('ep'), ...ids.flatMap((id, i) => [1000 + Math.floor(i / 7), id]));
    const waker = new BacklogWaker(queue, store, logger);
    // deliveries of already-woken jobs leave the set meanwhile (what shifted ranks before)
    const leaving = (async () => {
      for (let i = 0; i < 150; i++) {
        while ((await (await queue.getJob(ids[i]))!.getState()) === 'delayed') await new Promise((r) => setImmediate(r));
        await store.release('ep', [ids[i]]);
      }
    })();
    const promoted = await waker.wake('ep');
    await leaving;
    const states = await Promise.all(ids.map(async (id) => (await queue.getJob(id))!.getState()));
    expect(states.filter((s) => s === 'delayed')).toHaveLength(0);
    expect(promoted).toBeGreaterThanOrEqual(300);
  });
});
