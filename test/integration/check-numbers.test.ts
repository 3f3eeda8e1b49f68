import IORedis from 'ioredis';
import { REDIS_URL, waitFor } from '../helpers/env';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import { redisKeys } from '../../src/shared/keys';
import type { Running } from '../../src/shared/lifecycle';

/**
 * Number checks through the sandbox (numbers ending in 0000 have no account; a Brazilian mobile is
 * registered in its 9-digit form only), on real Redis with the real server, message-worker and
 * broadcast-worker in this process: POST /instance/:id/check-numbers with its cache, and
 * checkNumber / checkNumbers sends that never send to a number that is not on WhatsApp.
 */
const stack = new BroadcastStack('check-numbers');
let messageWorker: Running;
let redis: IORedis;

beforeAll(async () => {
  await stack.start({ CHECK_NUMBERS_TTL_HOURS: 2 });
  messageWorker = await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger());
  redis = new IORedis(REDIS_URL);
  await stack.createInstance('cn-1');
});

afterAll(async () => {
  redis?.disconnect();
  await messageWorker?.close();
  await stack.stop();
});

const check = (phones: unknown, id = 'cn-1') => stack.call('POST', `/instance/${id}/check-numbers`, { phones });
const keys = () => redisKeys(stack.prefix);

describe('POST /instance/:id/check-numbers', () => {
  it('answers each entry in order: registered, not on WhatsApp, a Brazilian 8-digit mobile in its 9-digit form', async () => {
    const res = await check(['+55 11 99999-0101', '5511999990000', '551187654321', 14155550123]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      instanceId: 'cn-1',
      results: [
        { input: '+55 11 99999-0101', exists: true, phone: '5511999990101', jid: '5511999990101@s.whatsapp.net', cached: false },
        { input: '5511999990000', exists: false, phone: '5511999990000', jid: '5511999990000@s.whatsapp.net', cached: false },
        { input: '551187654321', exists: true, phone: '5511987654321', jid: '5511987654321@s.whatsapp.net', cached: false },
        { input: '14155550123', exists: true, phone: '14155550123', jid: '14155550123@s.whatsapp.net', cached: false },
      ],
    });
  });

  it('answers from the Redis cache the second time, with CHECK_NUMBERS_TTL_HOURS as its TTL', async () => {
    const again = await check(['5511999990000', '551187654321', '5511988880202']);
    expect(again.body.results.map((r: { cached: boolean }) => r.cached)).toEqual([true, true, false]);
    expect(again.body.results[1]).toMatchObject({ exists: true, phone: '5511987654321' });
    const ttl = await redis.ttl(keys().numberCheck('551187654321'));
    expect(ttl).toBeGreaterThan(2 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(2 * 3600);
    // the registered form was cached too: asked on its own, it is not asked again
    expect((await check(['5511987654321'])).body.results[0]).toMatchObject({ exists: true, phone: '5511987654321', cached: true });
    // what is cached is what is answered (here a planted answer the sandbox would never give)
    await redis.set(keys().numberCheck('5511977770000'), JSON.stringify({ exists: true, phone: '5511977770000', jid: '5511977770000@s.whatsapp.net' }), 'EX', 60);
    expect((await check(['5511977770000'])).body.results[0]).toMatchObject({ exists: true, cached: true });
  });

  it('refuses bad input with 400: no phones, more than 500, entries that are not phone numbers', async () => {
    expect((await check([])).status).toBe(400);
    expect((await check(Array.from({ length: 501 }, (_, i) => `55119${String(i).padStart(8, '0')}`))).status).toBe(400);
    const bad = await check(['5511999990101', 'abc', '123456789012345@lid', '120363000000000001@g.us', '12']);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['phones.1', 'phones.2', 'phones.3', 'phones.4']);
    expect((await stack.call('POST', '/instance/cn-1/check-numbers', {})).status).toBe(400);
    expect((await check('5511999990101')).status).toBe(400);
  });

  it('accepts 500 phones (batches of 50), needs the API key, 404 for an unknown instance', async () => {
    const many = Array.from({ length: 500 }, (_, i) => `5521${String(900000000 + i)}`);
    const res = await check(many);
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(500);
    expect(res.body.results.filter((r: { exists: boolean }) => !r.exists).map((r: { input: string }) => r.input)).toEqual(['5521900000000']);
    expect((await check(['5511999990101'], 'nope')).status).toBe(404);
    const noKey = await fetch(`http://127.0.0.1:${stack.config.SERVER_PORT}/instance/cn-1/check-numbers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"phones":["5511999990101"]}' });
    expect(noKey.status).toBe(401);
  });
});

describe('checkNumber / checkNumbers sends', () => {
  const messageStatus = async (id: string) => (await stack.call('GET', `/messages/${id}`)).body.message;

  it('a single message with checkNumber to a number not on WhatsApp fails not_on_whatsapp and is never sent', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'cn-1', phone: '5511955550000', message: 'oi', checkNumber: true });
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    const failed = await waitFor(async () => ((await messageStatus(id))?.status === 'failed' ? messageStatus(id) : undefined), { what: 'failed' });
    expect(failed.error).toMatchObject({ code: 'not_on_whatsapp' });
    const events = await waitFor(async () => {
      const list = (await stack.events('message.failed')).filter((e) => e.data.messageId === id);
      return list.length ? list : undefined;
    }, { what: 'message.failed' });
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ to: '5511955550000', error: { code: 'not_on_whatsapp' } });
    expect((await stack.events('message.sent')).some((e) => e.data.messageId === id)).toBe(false);
    expect((await stack.sendLog()).some((l) => l.messageId === id)).toBe(false);
  });

  it('a single message with checkNumber goes to the registered form; without checkNumber nothing is looked up', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'cn-1', phone: '553196853220', message: 'oi', checkNumber: true });
    const line = await waitFor(async () => (await stack.sendLog()).find((l) => l.messageId === res.body.messageId), { what: 'sent' });
    expect(line.to).toBe('5531996853220');
    const view = await waitFor(async () => ((await messageStatus(res.body.messageId))?.sentAt ? messageStatus(res.body.messageId) : undefined), { what: 'sent status' });
    expect(view).toMatchObject({ to: '553196853220', jid: '5531996853220@s.whatsapp.net' });

    const plain = await stack.call('POST', '/queue/add-message', { instanceId: 'cn-1', phone: '5511944440000', message: 'sem checagem' });
    const sent = await waitFor(async () => (await stack.sendLog()).find((l) => l.messageId === plain.body.messageId), { what: 'sent unchecked' });
    expect(sent.to).toBe('5511944440000');
    expect(await redis.exists(keys().numberCheck('5511944440000'))).toBe(0);
  });

  it('a campaign with checkNumbers fails the number not on WhatsApp, sends the others (8-digit form resolved) and completes', async () => {
    const contacts = ['5511933330101', '5511933330000', '551186543210', { phone: '5511933330202', name: 'Ana' }];
    const res = await stack.call('POST', '/queue/add-broadcast', { campaignId: 'cn-c1', instanceId: 'cn-1', message: 'promo {{name}}', contacts, checkNumbers: true });
    expect(res.status).toBe(202);
    const done = await stack.waitStatus('cn-c1', 'completed');
    expect(done).toMatchObject({ total: 4, sent: 3, failed: 1 });
    const failed = (await stack.status('cn-c1', '?recipients=failed')).body.recipients.items;
    expect(failed).toEqual([expect.objectContaining({ to: '5511933330000', code: 'not_on_whatsapp' })]);
    const sentTo = (await stack.sendLog('cn-1')).filter((l) => ['5511933330101', '5511933330000', '5511986543210', '551186543210', '5511933330202'].includes(l.to)).map((l) => l.to);
    expect(sentTo.sort()).toEqual(['5511933330101', '5511933330202', '5511986543210']);
  });
});
