import type { TestEvent } from '../helpers/env';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { cleanupPrefix, freePort, REDIS_URL, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';
import { redisKeys } from '../../src/shared/keys';
import type { Config } from '../../src/shared/config';
import { newMessageId } from '../../src/whatsapp/ids';

const prefix = uniquePrefix('sessions');
const keys = redisKeys(prefix);
const logger = silentLogger();
const logFile = join(tmpdir(), `${prefix}-sandbox.jsonl`);
const HOOK = 'https://crm.example.test/hooks/shop-1';
let config: Config;
let server: StartedServer;
let redis: IORedis;

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function call(method: string, path: string, body?: unknown, token: string | null = TEST_SECRETS.API_KEY): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${config.SERVER_PORT}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  const parsed = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: parsed, headers: res.headers };
}

const internalSend = (body: unknown, token: string | null = TEST_SECRETS.INTERNAL_TOKEN) => call('POST', '/internal/send', body, token);

/** Events waiting on the webhook queue (no webhook-worker runs here), oldest first. */
async function events(instanceId: string, type?: TestEvent['type']): Promise<TestEvent[]> {
  const jobs = await server.deps.queues.webhook.getJobs(['waiting'], 0, -1, true);
  return jobs.filter((j) => j && j.data.event.instanceId === instanceId && (!type || j.data.event.type === type)).map((j) => j.data.event);
}

async function logLines(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function start(): Promise<void> {
  config = testConfig(prefix, {
    SERVER_PORT: await freePort(),
    SANDBOX_LOG_FILE: logFile,
    SANDBOX_LINK_DELAY_MS: 600,
    SANDBOX_RECEIPT_DELAY_MS: 20,
    RESTORE_JITTER_MS: 0,
    MEDIA_MAX_BYTES: 1000,
  });
  server = await startServer(config, logger);
}

const waitConnected = (id: string) =>
  waitFor(async () => (await call('GET', `/instance/${id}/status`)).body.status === 'connected', { what: `${id} connected` });

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  await start();
});

afterAll(async () => {
  await server?.close();
  redis?.disconnect();
  await cleanupPrefix(prefix);
  await rm(logFile, { force: true });
});

describe('instances on the sandbox driver', () => {
  it('creates an instance that shows one QR, then links and connects', async () => {
    const created = await call('POST', '/instance/create', { instanceId: 'shop-1', webhookUrl: HOOK });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, instanceId: 'shop-1', status: 'qr' });
    expect(created.body.qr).toEqual(expect.any(String));
    const qr = await call('GET', '/instance/shop-1/qr');
    expect(qr.body).toMatchObject({ success: true, status: 'qr', qr: created.body.qr });
    const png = await call('GET', '/instance/shop-1/qr?format=png');
    expect(png.headers.get('content-type')).toBe('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');

    await waitConnected('shop-1');
    const record = JSON.parse((await redis.hget(keys.instances, 'shop-1'))!);
    expect(record).toMatchObject({ instanceId: 'shop-1', status: 'connected', webhookUrl: HOOK });
    expect(record.me.id).toMatch(/@s\.whatsapp\.net$/);
    const statuses = (await waitFor(async () => {
      const evs = await events('shop-1', 'connection.update');
      return evs.some((e) => e.data.status === 'connected') ? evs : undefined;
    })).map((e) => e.data.status);
    expect(statuses).toEqual(['connecting', 'qr', 'connected']);
    const qrEvents = await events('shop-1', 'qr.updated');
    expect(qrEvents).toHaveLength(1);
    expect(qrEvents[0].targetUrl).toBe(HOOK);
    const list = await call('GET', '/instances');
    expect(list.body.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['shop-1']);
  });

  it('answers a pairing code when created with a phone, and pushes it as an event', async () => {
    const created = await call('POST', '/instance/create', { instanceName: 'pairing-1', phone: '+55 (11) 98888-7777' });
    expect(created.status).toBe(201);
    expect(created.body.pairingCode).toMatch(/^[A-Z0-9]{8}$/);
    const [event] = await events('pairing-1', 'pairing.code');
    expect(event.data).toMatchObject({ code: created.body.pairingCode, phone: '5511988887777' });
    await waitConnected('pairing-1');
  });

  it('refuses bad instance requests with clear 4xx', async () => {
    expect((await call('POST', '/instance/create', { instanceId: 'shop-1' })).status).toBe(409);
    expect((await call('POST', '/instance/create', { instanceId: 'bad id!' })).body.error.code).toBe('bad_request');
    expect((await call('POST', '/instance/create', { instanceId: 'x1', phone: 'call me' })).status).toBe(400);
    expect((await call('POST', '/instance/create', {})).status).toBe(400);
    expect((await call('GET', '/instance/nope/status')).body.error.code).toBe('instance_not_found');
    expect((await call('GET', '/instance/bad$id/status')).status).toBe(400);
    expect((await call('POST', '/instance/delete', { instanceId: 'nope' })).status).toBe(404);
    expect((await call('GET', '/instance/shop-1/qr?format=png')).status).toBe(404); // connected: no QR
    expect((await call('GET', '/instances', undefined, null)).status).toBe(401);
    expect(await redis.hexists(keys.instances, 'x1')).toBe(0);
  });
});

describe('internal send', () => {
  const text = { type: 'text', text: 'Olá!' };

  it('needs the internal token', async () => {
    const body = { instanceId: 'shop-1', to: '5511999990001', content: text, messageId: newMessageId() };
    expect((await internalSend(body, null)).status).toBe(401);
    expect((await internalSend(body, TEST_SECRETS.API_KEY)).status).toBe(401);
  });

  it('sends once per messageId, logs the send and emits receipts', async () => {
    const messageId = newMessageId();
    const body = { instanceId: 'shop-1', to: '+55 11 99999-0001', content: text, messageId };
    const first = await internalSend(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, waMessageId: messageId, jid: '5511999990001@s.whatsapp.net', duplicate: false });
    const again = await internalSend(body);
    expect(again.body).toMatchObject({ success: true, waMessageId: messageId, timestamp: first.body.timestamp, duplicate: true });

    const lines = (await logLines()).filter((l) => l.messageId === messageId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ instanceId: 'shop-1', to: '5511999990001', contentType: 'text', at: first.body.timestamp });
    expect(new Date(String(lines[0].time)).getTime()).toBe(first.body.timestamp);

    const receipts = await waitFor(async () => {
      const evs = (await events('shop-1', 'message.status')).filter((e) => e.data.messageId === messageId);
      return evs.length === 3 ? evs : undefined;
    }, { what: 'three receipts' });
    expect(receipts.map((e) => e.data.status)).toEqual(['server_ack', 'delivered', 'read']);
    expect(receipts.every((e) => e.targetUrl === HOOK)).toBe(true);
  });

  it('sends concurrent duplicates only once', async () => {
    const messageId = newMessageId();
    const body = { instanceId: 'shop-1', to: '120363000000000001@g.us', content: text, messageId };
    const answers = await Promise.all(Array.from({ length: 5 }, () => internalSend(body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    expect((await logLines()).filter((l) => l.messageId === messageId)).toHaveLength(1);
  });

  it('classifies bad sends', async () => {
    const send = (over: Record<string, unknown>) => internalSend({ instanceId: 'shop-1', to: '5511999990001', content: text, messageId: newMessageId(), ...over });
    expect((await send({ instanceId: 'ghost' })).body.error.code).toBe('instance_not_found');
    expect((await send({ to: 'not-a-number' })).body.error.code).toBe('invalid_recipient');
    expect((await send({ content: { type: 'image', url: 'ftp://x.test/a.jpg' } })).status).toBe(400);
    expect((await send({ messageId: 'short' })).status).toBe(400);
    await server.sessions.session('pairing-1')!.end();
    const notConnected = await send({ instanceId: 'pairing-1' });
    expect(notConnected.status).toBe(409);
    expect(notConnected.body.error.code).toBe('instance_not_connected');
    expect((await internalSend({ instanceId: 'shop-1', to: '5511999990001', state: 'composing' }, TEST_SECRETS.INTERNAL_TOKEN)).status).toBe(400);
    const presence = await call('POST', '/internal/presence', { instanceId: 'shop-1', to: '5511999990001', state: 'composing' }, TEST_SECRETS.INTERNAL_TOKEN);
    expect(presence.body).toEqual({ success: true });
  });
});

describe('sandbox incoming messages and media', () => {
  it('emits message.received in the adapter shape and serves its media within the cap', async () => {
    const data = Buffer.from('fake image bytes');
    const res = await call('POST', '/instance/shop-1/sandbox/incoming', {
      from: '5511977776666', pushName: 'Ana', type: 'image', text: 'veja', media: { mimetype: 'image/jpeg', data: data.toString('base64') },
    });
    expect(res.status).toBe(201);
    const id = res.body.message.messageId;
    // the event reaches the queue after whatsapp-server's observers (statuses, inbound chats, opt-out, log)
    const event = await waitFor(async () => (await events('shop-1', 'message.received')).find((e) => e.data.messageId === id), { what: 'message.received queued' });
    expect(event.data).toMatchObject({ chatId: '5511977776666@s.whatsapp.net', isGroup: false, from: '5511977776666', pushName: 'Ana', type: 'image', text: 'veja' });
    expect(event.targetUrl).toBe(HOOK);
    const media = await call('GET', `/instance/shop-1/media/${id}`);
    expect(media.status).toBe(200);
    expect(Buffer.compare(media.body, data)).toBe(0);

    const big = await call('POST', '/instance/shop-1/sandbox/incoming', { from: '5511977776666', type: 'document', media: { mimetype: 'application/pdf', data: Buffer.alloc(2000).toString('base64') } });
    expect((await call('GET', `/instance/shop-1/media/${big.body.message.messageId}`)).status).toBe(413);
    expect((await call('GET', `/instance/shop-1/media/3EB0000000000000`)).status).toBe(404);
    expect((await call('POST', '/instance/shop-1/sandbox/incoming', { from: 'nobody' })).status).toBe(400);
  });
});

describe('restart and delete', () => {
  it('comes back connected without a QR after the server restarts', async () => {
    await redis.del(keys.sandboxLinked('pairing-1')); // as if pairing never finished
    const qrBefore = (await events('shop-1', 'qr.updated')).length;
    await server.close();
    await start();
    const summary = await server.restored;
    expect(summary).toMatchObject({ total: 2, restored: 1, connected: 1, unlinked: 1 });
    expect((await call('GET', '/instance/shop-1/status')).body.status).toBe('connected');
    expect((await events('shop-1', 'qr.updated')).length).toBe(qrBefore);
    expect((await call('GET', '/instance/pairing-1/status')).body.status).toBe('qr_expired');
    const health = await call('GET', '/health', undefined, null);
    expect(health.body.sessions).toEqual({ total: 1, byStatus: { connected: 1 } });

    // a restart asks the unlinked instance for a new pairing code
    const restarted = await call('POST', '/instance/pairing-1/restart');
    expect(restarted.body.status).toBe('qr');
    await waitConnected('pairing-1');
  });

  it('delete logs out and removes the registry entry and the linked credentials', async () => {
    expect((await call('POST', '/instance/delete', { instanceName: 'shop-1' })).body).toEqual({ success: true, instanceId: 'shop-1', deleted: true });
    expect(await redis.hget(keys.instances, 'shop-1')).toBeNull();
    const left = await redis.keys(`${keys.prefix}:*shop-1*`);
    expect(left).toEqual([]);
    expect((await call('GET', '/instance/shop-1/status')).status).toBe(404);
    const statuses = (await events('shop-1', 'connection.update')).map((e) => e.data.status);
    expect(statuses.slice(-2)).toEqual(['logged_out', 'deleted']);
  });
});
