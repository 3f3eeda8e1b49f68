import request from 'supertest';
import { sleep, waitFor } from '../helpers/env';
import { Receiver, ReceivedRequest } from '../helpers/receiver';
import { WebhookStack } from '../helpers/webhook-stack';
import { InstanceRegistry } from '../../src/whatsapp/instances/registry';
import { redisKeys } from '../../src/shared/keys';
import { verifySignature } from '../../src/webhooks/signature';
import { endpointOf } from '../../src/webhooks/endpoints/endpoint';
import { destinations, isEventPattern, wants } from '../../src/webhooks/subscriptions';
import { chatOf } from '../../src/webhooks/ordering';
import type { AnyEvent, AnyEventInput } from '../../src/events/envelope';

const receiver = new Receiver();
/** per event id: statuses to answer, in order; then 200 */
const plans = new Map<string, number[]>();
const idOf = (r: ReceivedRequest) => (r.json as { id?: string } | undefined)?.id;
const okOf = (path: string) => receiver.on(path).filter((r) => (r as ReceivedRequest & { status?: number }).status === 200);
const url = (path: string) => `${receiver.url}${path}`;

beforeAll(async () => {
  receiver.respond = (req) => {
    const status = plans.get(idOf(req) ?? '')?.shift() ?? 200;
    (req as ReceivedRequest & { status?: number }).status = status;
    return { status };
  };
  await receiver.start();
});
afterAll(() => receiver.stop());

describe('subscriptions: an instance names its URLs and event types (real webhook-worker)', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    stack = await new WebhookStack('webhook-subs', { SUPABASE_FUNCTIONS_URL: url('/fn'), WEBHOOK_RETRY_SCHEDULE: '200ms,400ms,800ms', INSTANCE_CACHE_MS: 0 }).start();
    const registry = new InstanceRegistry(stack.redis, redisKeys(stack.prefix));
    const now = Date.now();
    await registry.insert({ instanceId: 'multi', status: 'connected', createdAt: now, updatedAt: now, webhookUrl: url('/a'), webhookUrls: [url('/b')], webhookEvents: ['message.*', 'connection.update'] });
    await registry.insert({ instanceId: 'picky', status: 'connected', createdAt: now, updatedAt: now, webhookEvents: ['message.received'] });
    await registry.insert({ instanceId: 'legacy', status: 'connected', createdAt: now, updatedAt: now, webhookUrl: url('/legacy') });
  });
  afterAll(() => stack?.close());
  const pub = (input: Omit<AnyEventInput, 'data'> & { data?: object }) => stack.publish({ data: {}, ...input } as AnyEventInput);

  it('sends every wanted event to each URL once (same webhook-id, each signed) and skips the others', async () => {
    const received = await pub({ type: 'message.received', instanceId: 'multi', targetUrl: url('/a') });
    const conn = await pub({ type: 'connection.update', instanceId: 'multi' });
    const qr = await pub({ type: 'qr.updated', instanceId: 'multi' });
    await waitFor(() => [received, conn].every((e) => ['/a', '/b'].every((p) => receiver.on(p).some((r) => idOf(r) === e.id))), { what: 'fan-out' });
    for (const e of [received, conn]) {
      for (const p of ['/a', '/b']) {
        const reqs = receiver.on(p).filter((r) => idOf(r) === e.id);
        expect(reqs).toHaveLength(1);
        expect(reqs[0].headers['webhook-id']).toBe(e.id);
        expect(verifySignature({ secret: stack.config.WEBHOOK_SECRET, body: reqs[0].body, headers: reqs[0].headers as Record<string, string> })).toBe(true);
      }
    }
    await waitFor(async () => (await stack.producer.queues.webhook.getJob(qr.id))?.finishedOn, { what: 'qr job done' });
    expect(receiver.requests.filter((r) => idOf(r) === qr.id)).toHaveLength(0);
    expect((await stack.producer.queues.webhook.getJob(qr.id))!.returnvalue).toMatchObject({ skipped: expect.any(String) });
  });

  it('filters without URLs of its own (family routing), and an instance with only webhookUrl routes as before', async () => {
    const wanted = await pub({ type: 'message.received', instanceId: 'picky' });
    const unwanted = await pub({ type: 'message.status', instanceId: 'picky' });
    const stamped = await pub({ type: 'qr.updated', instanceId: 'legacy', targetUrl: url('/legacy') });
    const fromWorker = await pub({ type: 'message.sent', instanceId: 'legacy' });
    const campaign = await pub({ type: 'campaign.completed', instanceId: 'multi', targetUrl: url('/callback') });
    await waitFor(() => [wanted, stamped, fromWorker].every((e) => receiver.requests.some((r) => idOf(r) === e.id)), { what: 'routed' });
    await sleep(200);
    const pathOf = (e: AnyEvent) => receiver.requests.filter((r) => idOf(r) === e.id).map((r) => r.path);
    expect(pathOf(wanted)).toEqual(['/fn/webhook_whatsapp_web']);
    expect(pathOf(unwanted)).toEqual([]);
    expect(pathOf(stamped)).toEqual(['/legacy']);
    expect(pathOf(fromWorker)).toEqual(['/fn/webhook_whatsapp_web']);
    // webhookEvents filters every event of the instance, a campaign callback's too (campaign.* is not in it)
    expect(pathOf(campaign)).toEqual([]);
  });

  it('retries and dead-letters each URL alone; the replay goes to that URL only', async () => {
    const e = await pub({ type: 'message.status', instanceId: 'multi', id: `fan-${Date.now()}` });
    plans.set(e.id, [503]);
    await waitFor(() => okOf('/a').some((r) => idOf(r) === e.id) && okOf('/b').some((r) => idOf(r) === e.id), { what: 'both after a retry' });
    const onA = receiver.on('/a').filter((r) => idOf(r) === e.id).length;
    const onB = receiver.on('/b').filter((r) => idOf(r) === e.id).length;
    expect(onA + onB).toBe(3);

    const f = await pub({ type: 'message.status', instanceId: 'multi', id: `fan422-${Date.now()}` });
    plans.set(f.id, [422]);
    const deadId = await waitFor(async () => {
      const res = await request(stack.app).get('/webhooks/dead?limit=500').set(stack.auth);
      return (res.body.items as Array<{ id: string; url: string; event: { id: string } }>).find((d) => d.event.id === f.id);
    }, { what: 'one destination dead-lettered' });
    const failedPath = deadId.url.endsWith('/a') ? '/a' : '/b';
    const otherPath = failedPath === '/a' ? '/b' : '/a';
    expect(deadId.id).toBe(`${f.id}@${endpointOf(url(failedPath)).id}`);
    await waitFor(() => okOf(otherPath).some((r) => idOf(r) === f.id), { what: 'other destination delivered' });
    const replay = await request(stack.app).post('/webhooks/replay').set(stack.auth).send({ ids: [deadId.id] });
    expect(replay.body.replayed).toEqual([deadId.id]);
    await waitFor(() => okOf(failedPath).some((r) => idOf(r) === f.id), { what: 'replayed to its URL' });
    await sleep(200);
    expect(receiver.on(otherPath).filter((r) => idOf(r) === f.id)).toHaveLength(1);
    expect(receiver.on(failedPath).filter((r) => idOf(r) === f.id).map((r) => r.headers['webhook-id'])).toEqual([f.id, f.id]);
  });

  it('waits WEBHOOK_RETRY_SCHEDULE between attempts (injected: 200 ms, 400 ms, 800 ms), then dead-letters', async () => {
    const e = await pub({ type: 'message.received', instanceId: 'nobody', id: `sched-${Date.now()}`, targetUrl: url('/sched') });
    plans.set(e.id, [500, 500, 500, 500, 500]);
    await waitFor(() => receiver.on('/sched').filter((r) => idOf(r) === e.id).length === 4, { what: 'four attempts', timeoutMs: 8000 });
    const at = receiver.on('/sched').filter((r) => idOf(r) === e.id).map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    [200, 400, 800].forEach((d, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(d - 10);
      expect(gaps[i]).toBeLessThan(d * 1.1 + 300);
    });
    const dead = await waitFor(async () => (await request(stack.app).get('/webhooks/dead?limit=500').set(stack.auth)).body.items.find((d: { id: string }) => d.id === e.id), { what: 'dead letter' });
    expect(dead).toMatchObject({ attempts: 4, lastStatus: 500 });
    await sleep(1000);
    expect(receiver.on('/sched').filter((r) => idOf(r) === e.id)).toHaveLength(4);
  });

  it('is unordered by default: a later event of a chat does not wait for a failing earlier one', async () => {
    const chat = `55119${Date.now() % 100000}@s.whatsapp.net`;
    const first = await pub({ type: 'message.received', instanceId: 'nobody', targetUrl: url('/unordered'), data: { chatId: chat, text: '1' } });
    plans.set(first.id, [503]);
    const second = await pub({ type: 'message.received', instanceId: 'nobody', targetUrl: url('/unordered'), data: { chatId: chat, text: '2' } });
    await waitFor(() => okOf('/unordered').length === 2, { what: 'both delivered' });
    expect(okOf('/unordered').map(idOf)).toEqual([second.id, first.id]);
  });
});

describe('WEBHOOK_ORDER=chat: the events of one chat arrive in order', () => {
  let stack: WebhookStack;
  beforeAll(async () => {
    stack = await new WebhookStack('webhook-order', { SUPABASE_FUNCTIONS_URL: url('/fn'), WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms', WEBHOOK_ORDER: 'chat', WEBHOOK_CONCURRENCY: 10 }).start();
  });
  afterAll(() => stack?.close());

  it('holds later events of a chat behind a failing earlier one; other chats go on', async () => {
    const chatA = `5511${Date.now() % 1000000}0@s.whatsapp.net`;
    const chatB = `5511${Date.now() % 1000000}1@s.whatsapp.net`;
    const ev = (chatId: string, n: number, type: 'message.received' | 'message.status' = 'message.received') =>
      stack.publish({ type, instanceId: 'ord', targetUrl: url('/ordered'), data: { chatId, text: String(n), status: 'delivered', messageId: `m${n}` } } as never);
    const a: AnyEvent[] = [];
    const b: AnyEvent[] = [];
    a.push(await ev(chatA, 0));
    plans.set(a[0].id, [503, 503]);
    for (let i = 1; i < 6; i++) {
      a.push(await ev(chatA, i, i % 2 ? 'message.status' : 'message.received'));
      b.push(await ev(chatB, i));
    }
    await waitFor(() => okOf('/ordered').length === 11, { what: 'all delivered', timeoutMs: 15_000 });
    const order = okOf('/ordered').map(idOf);
    expect(order.filter((id) => a.some((e) => e.id === id))).toEqual(a.map((e) => e.id));
    expect(order.filter((id) => b.some((e) => e.id === id))).toEqual(b.map((e) => e.id));
    // chat B did not wait behind chat A's line (A's last event needed A's head and four more first)
    const firstA = okOf('/ordered').find((r) => idOf(r) === a[0].id)!.at;
    const lastA = okOf('/ordered').find((r) => idOf(r) === a[5].id)!.at;
    expect(okOf('/ordered').filter((r) => b.some((e) => e.id === idOf(r))).every((r) => r.at < lastA)).toBe(true);
    // nothing of chat A was sent before its head got through (only the head's failed tries)
    expect(receiver.on('/ordered').filter((r) => a.slice(1).some((e) => e.id === idOf(r)) && r.at < firstA)).toHaveLength(0);
    // the line is empty again
    expect(await stack.redis.zcard(redisKeys(stack.prefix).webhookOrder(`ord:${chatA}`))).toBe(0);
  });
});

describe('subscription rules', () => {
  const event = (type: AnyEvent['type'], extra: Partial<AnyEvent> = {}) => ({ id: 'e', type, instanceId: 'i', timestamp: '', data: {}, ...extra }) as AnyEvent;
  const cfg = { SUPABASE_FUNCTIONS_URL: 'https://x.supabase.co/functions/v1' };

  it('matches types and families, and validates the patterns an instance may give', () => {
    expect(wants(undefined, 'qr.updated')).toBe(true);
    expect(wants(['message.*'], 'message.status')).toBe(true);
    expect(wants(['message.*'], 'qr.updated')).toBe(false);
    expect(wants(['*'], 'qr.updated')).toBe(true);
    expect(['message.received', 'message.*', 'campaign.*', '*'].every(isEventPattern)).toBe(true);
    expect(['message', 'nope.*', 'message.recieved', ''].some(isEventPattern)).toBe(false);
  });

  it('routes operator events to the family URL whatever the instance asked', () => {
    const sub = { webhookUrl: 'https://a', webhookUrls: ['https://b'], events: ['message.*'] };
    expect(destinations(event('webhook.endpoint'), sub, cfg).urls).toEqual(['https://x.supabase.co/functions/v1/auto_whatsapp_sync']);
    expect(destinations(event('message.sent'), sub, cfg).urls).toEqual(['https://a', 'https://b']);
    expect(destinations(event('message.sent'), { webhookUrl: 'https://a' }, cfg).urls).toEqual(['https://x.supabase.co/functions/v1/webhook_whatsapp_web']);
    expect(chatOf(event('message.sent', { data: { to: '5511', jid: '5511@s.whatsapp.net' } as never }))).toBe('i:5511@s.whatsapp.net');
    expect(chatOf(event('connection.update'))).toBeUndefined();
  });
});
