import { gzipSync } from 'node:zlib';
import { TEST_SECRETS, waitFor } from '../helpers/env';
import { MessagingStack } from '../helpers/messaging-stack';

const stack = new MessagingStack('add-message');
const PHONE = '5511999990001';

beforeAll(async () => {
  await stack.start({ SANDBOX_RECEIPT_DELAY_MS: 150 });
  await stack.createInstance('shop-1');
});

afterAll(async () => {
  await stack.stop();
});

const add = (body: unknown, headers: Record<string, string> = {}) => stack.call('POST', '/queue/add-message', body, headers);
const view = async (id: string) => (await stack.call('GET', `/messages/${id}`)).body.message;

describe('POST /queue/add-message', () => {
  it('answers 202 with the job id, then the message goes queued -> sent -> delivered -> read', async () => {
    const res = await add({ action: 'send_message', instanceId: 'shop-1', phone: '+55 (11) 99999-0001', message: 'Olá!', delayMs: 300 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, status: 'queued', to: PHONE });
    expect(res.body.messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(res.body.jobId).toBe(res.body.messageId);
    const id = res.body.messageId as string;

    const seen: string[] = [];
    const last = await waitFor(
      async () => {
        const m = await view(id);
        if (m && seen[seen.length - 1] !== m.status) seen.push(m.status);
        return m?.status === 'read' ? m : undefined;
      },
      { intervalMs: 10, what: 'read' },
    );
    expect(seen[0]).toBe('queued');
    const order = ['queued', 'sending', 'sent', 'delivered', 'read'];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    expect(seen).toEqual(expect.arrayContaining(['queued', 'sent', 'delivered', 'read']));
    expect(last).toMatchObject({ messageId: id, instanceId: 'shop-1', to: PHONE, waMessageId: id, attempts: 1, type: 'text' });
    for (const f of ['queuedAt', 'sentAt', 'deliveredAt', 'readAt']) expect(typeof last[f]).toBe('string');
    expect(Date.parse(last.sentAt)).toBeLessThanOrEqual(Date.parse(last.deliveredAt));
    expect(Date.parse(last.deliveredAt)).toBeLessThanOrEqual(Date.parse(last.readAt));

    const sent = (await stack.events('message.sent')).find((e) => e.data.messageId === id);
    expect(sent).toMatchObject({ instanceId: 'shop-1', data: { to: PHONE, waMessageId: id } });
    expect((await stack.sendLog()).filter((l) => l.messageId === id)).toHaveLength(1);
  });

  it('accepts media, group ids, location, contact and reaction payloads', async () => {
    const bodies = [
      { instanceId: 'shop-1', phone: PHONE, mediaType: 'image', mediaUrl: 'https://203.0.113.10/a.jpg', message: 'legenda' },
      { instanceId: 'shop-1', to: '120363041234567890@g.us', message: 'grupo' },
      { instanceId: 'shop-1', number: 5511999990002, location: { latitude: -23.5, longitude: -46.6, name: 'Loja' } },
      { instanceId: 'shop-1', phone: PHONE, contact: { displayName: 'Ana', phone: '5511988887777' } },
      { instanceId: 'shop-1', phone: PHONE, reaction: { emoji: '👍', targetId: '3EB0AAAAAAAAAAAAAAAAAA' } },
    ];
    const ids: string[] = [];
    for (const b of bodies) {
      const res = await add(b);
      expect(res.status).toBe(202);
      ids.push(res.body.messageId);
    }
    const types = await Promise.all(ids.map((id) => waitFor(async () => (await view(id))?.sentAt && (await view(id)).type, { what: `${id} sent` })));
    expect(types).toEqual(['image', 'text', 'location', 'contact', 'reaction']);
  });

  it('returns the first ids for a repeated idempotency key (body or header) and sends once', async () => {
    const body = { instanceId: 'shop-1', phone: PHONE, message: 'uma vez', idempotencyKey: 'order-42' };
    const first = await add(body);
    const again = await add(body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.messageId).toBe(first.body.messageId);
    expect(again.body.duplicate).toBe(true);

    const viaHeader = { instanceId: 'shop-1', phone: PHONE, message: 'header' };
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => add(viaHeader, { 'Idempotency-Key': 'order-43' })));
    expect(new Set(burst.map((r) => r.body.messageId)).size).toBe(1);
    expect(burst.filter((r) => r.body.duplicate)).toHaveLength(4);

    for (const id of [first.body.messageId, burst[0].body.messageId]) {
      await waitFor(async () => (await view(id))?.sentAt, { what: `${id} sent` });
    }
    await new Promise((r) => setTimeout(r, 200));
    const log = await stack.sendLog();
    expect(log.filter((l) => l.messageId === first.body.messageId)).toHaveLength(1);
    expect(log.filter((l) => l.messageId === burst[0].body.messageId)).toHaveLength(1);
    const queued = await stack.server.deps.queues.message.getJob(first.body.messageId);
    expect(queued?.id).toBe(first.body.messageId);
  });

  it('takes the apikey header, and compressed bodies through the general JSON parser', async () => {
    const body = { instanceId: 'shop-1', phone: PHONE, message: 'via apikey' };
    const viaApikey = await add(body, { authorization: '', apikey: TEST_SECRETS.API_KEY });
    expect(viaApikey.status).toBe(202);
    const res = await fetch(`http://127.0.0.1:${stack.config.SERVER_PORT}/queue/add-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SECRETS.API_KEY}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ ...body, message: 'gzip' })),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { messageId: string }).messageId;
    expect((await view(id)).status).toMatch(/queued|sending|sent|delivered|read/);
  });

  it('fails a message whose instance is gone at once, with a reason and a message.failed event', async () => {
    await stack.createInstance('gone-1');
    const res = await add({ instanceId: 'gone-1', phone: PHONE, message: 'tarde demais', delayMs: 400 });
    expect(res.status).toBe(202);
    expect((await stack.call('POST', '/instance/delete', { instanceId: 'gone-1' })).status).toBe(200);
    const id = res.body.messageId;
    const m = await waitFor(async () => ((await view(id))?.status === 'failed' ? view(id) : undefined), { what: 'failed' });
    expect(m).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'instance_not_found' } });
    expect(typeof m.reason).toBe('string');
    expect(typeof m.failedAt).toBe('string');
    const failed = await waitFor(async () => (await stack.events('message.failed')).find((e) => e.data.messageId === id), { what: 'message.failed' });
    expect(failed.data).toMatchObject({ error: { code: 'instance_not_found' } });
  });
});

describe('bad input', () => {
  const ok = { instanceId: 'shop-1', phone: PHONE, message: 'oi' };
  const cases: Array<[string, number, string, unknown]> = [
    ['missing instanceId', 400, 'validation_failed', { phone: PHONE, message: 'oi' }],
    ['missing phone', 400, 'validation_failed', { instanceId: 'shop-1', message: 'oi' }],
    ['missing message', 400, 'validation_failed', { instanceId: 'shop-1', phone: PHONE }],
    ['message of the wrong type', 400, 'validation_failed', { ...ok, message: 42 }],
    ['priority out of range', 400, 'validation_failed', { ...ok, priority: 0 }],
    ['invalid phone', 400, 'invalid_recipient', { ...ok, phone: '12ab' }],
    ['too short a phone', 400, 'invalid_recipient', { ...ok, phone: '123' }],
    ['mediaType without mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image' }],
    ['unknown mediaType', 400, 'validation_failed', { ...ok, mediaType: 'hologram', mediaUrl: 'https://203.0.113.10/x' }],
    ['non-http mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image', mediaUrl: 'file:///etc/passwd' }],
    ['loopback mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image', mediaUrl: 'http://127.0.0.1:6379/x.jpg' }],
    ['private mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'document', mediaUrl: 'http://10.1.2.3/a.pdf' }],
    ['metadata mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image', mediaUrl: 'http://169.254.169.254/latest' }],
    ['localhost mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image', mediaUrl: 'http://localhost/a.png' }],
    ['IPv6 unique-local mediaUrl', 400, 'validation_failed', { ...ok, mediaType: 'image', mediaUrl: 'http://[fd00::1]/a.png' }],
    ['scheduledFor in the past', 400, 'validation_failed', { ...ok, scheduledFor: '2020-01-01T00:00:00Z' }],
    ['scheduledFor not a date', 400, 'validation_failed', { ...ok, scheduledFor: 'amanhã' }],
    ['delay beyond the limit', 400, 'validation_failed', { ...ok, delayMs: 365 * 86_400_000 }],
    ['two kinds of content', 400, 'validation_failed', { ...ok, location: { latitude: 1, longitude: 2 }, reaction: { emoji: 'x', targetId: 'ABCDEFGH' } }],
    ['a JSON array', 400, 'validation_failed', [ok]],
    ['unknown instance', 404, 'instance_not_found', { ...ok, instanceId: 'nope-1' }],
  ];
  it.each(cases)('%s -> %i %s', async (_name, status, code, body) => {
    const res = await add(body);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ success: false, error: { code } });
    expect(typeof res.body.error.message).toBe('string');
  });

  it('refuses malformed JSON (400), non-JSON (415), an oversized body (413) and a missing key (401)', async () => {
    const malformed = await stack.call('POST', '/queue/add-message', '{"instanceId": "shop-1",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('bad_request');
    const text = await stack.call('POST', '/queue/add-message', 'instanceId=shop-1', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const big = await add({ ...ok, message: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const empty = await stack.call('POST', '/queue/add-message', undefined, { 'content-type': 'application/json' });
    expect(empty.status).toBe(400);
    const anon = await stack.call('POST', '/queue/add-message', ok, { authorization: '' });
    expect(anon.status).toBe(401);
  });

  it('answers 404 for an unknown message and 400 for a malformed id', async () => {
    const unknown = await stack.call('GET', '/messages/3EB0000000000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await stack.call('GET', '/messages/bad!id')).status).toBe(400);
  });
});
