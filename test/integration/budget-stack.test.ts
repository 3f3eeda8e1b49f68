import { waitFor } from '../helpers/env';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';
import IORedis from 'ioredis';
import { redisKeys } from '../../src/shared/keys';
import { REDIS_URL } from '../helpers/env';

/**
 * The send budget through the whole sandbox stack (real server, message-worker and broadcast-worker
 * in this process, real Redis): an opt-out reply suppresses its sender for a campaign that is
 * running; single messages to a suppressed contact fail `suppressed` unless `force`; the
 * suppression routes; replies pass while the new-chat cap (set per instance at create) holds new
 * chats, a held message says which rule holds it and fails with a clear error after
 * BUDGET_MAX_WAITS; GET /instance/:id/budget shows it all.
 */
jest.setTimeout(60_000);

const stack = new BroadcastStack('budget-stack');
let messageWorker: Running;
const redis = new IORedis(REDIS_URL);
const phone = (i: number) => `5511988${String(i).padStart(6, '0')}`;

beforeAll(async () => {
  await stack.start({ BUDGET_MAX_WAITS: 4, BUDGET_RECHECK_MS: 150, SANDBOX_RECEIPT_DELAY_MS: 20 });
  messageWorker = await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger());
  await stack.createInstance('oo-1');
  const created = await stack.call('POST', '/instance/create', { instanceId: 'nc-1', settings: { newChatsPerDay: 1, perMinute: 100 }, numberSince: '2020-01-01' });
  expect(created.status).toBe(201);
  expect(created.body.instance.settings).toEqual({ newChatsPerDay: 1, perMinute: 100, numberSince: '2020-01-01T00:00:00.000Z' });
  await waitFor(async () => (await stack.call('GET', '/instance/nc-1/status')).body.status === 'connected', { what: 'nc-1 connected' });
});

afterAll(async () => {
  await messageWorker?.close();
  await stack.stop();
  redis.disconnect();
});

const send = (instanceId: string, to: string, message: string, extra: Record<string, unknown> = {}) => stack.call('POST', '/queue/add-message', { instanceId, phone: to, message, ...extra });
const message = async (id: string) => (await stack.call('GET', `/messages/${id}`)).body.message;
const sentTo = async (instanceId: string, to: string) => (await stack.sendLog(instanceId)).filter((l) => l.to === to);

describe('opt-out', () => {
  it('an opt-out reply suppresses its sender for a running campaign: skipped, counted as suppressed', async () => {
    const contacts = [0, 1, 2, 3, 4, 5].map(phone);
    const res = await stack.call('POST', '/queue/add-broadcast', { instanceId: 'oo-1', campaignId: 'camp-oo', contacts, message: 'Novidades da semana', rateLimitMs: 400 });
    expect(res.status).toBe(202);
    await waitFor(async () => (await stack.sendLog('oo-1')).length >= 1, { what: 'campaign started' });
    // recipient 4 writes SAIR before its turn (it comes about 1.6 s after the first)
    const inbound = await stack.call('POST', '/instance/oo-1/sandbox/incoming', { from: contacts[4], text: '  Sair! ' });
    expect(inbound.status).toBe(201);
    const done = await stack.waitStatus('camp-oo', 'completed', 20_000);
    expect(done).toMatchObject({ total: 6, sent: 5, failed: 0, suppressed: 1, pending: 0 });
    expect(await sentTo('oo-1', contacts[4])).toHaveLength(0);
    const events = (await stack.events('contact.opted_out')).filter((e) => e.instanceId === 'oo-1');
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ contact: contacts[4], forms: [contacts[4]], word: 'SAIR', scope: 'instance', messageId: inbound.body.message.messageId });
  });

  it('a single message to a suppressed contact fails suppressed; with force it goes out', async () => {
    const to = phone(4);
    const refused = await send('oo-1', to, 'Oi!');
    expect(refused.status).toBe(202);
    const failed = await waitFor(async () => {
      const m = await message(refused.body.messageId);
      return m?.status === 'failed' ? m : undefined;
    }, { what: 'failed suppressed' });
    expect(failed.error).toMatchObject({ code: 'suppressed' });
    expect((await stack.events('message.failed')).find((e) => e.data.messageId === refused.body.messageId)?.data.error.code).toBe('suppressed');
    const forced = await send('oo-1', to, 'Seu pedido foi entregue', { force: true });
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await message(forced.body.messageId))?.status), { what: 'forced sent' });
    expect(await sentTo('oo-1', to)).toHaveLength(1);
  });

  it('GET / POST / DELETE /suppressions manage the list (admin key)', async () => {
    const list = await stack.call('GET', '/suppressions?instanceId=oo-1');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ scope: 'instance', instanceId: 'oo-1', total: 1, items: [expect.objectContaining({ contact: phone(4), reason: 'opt_out', word: 'SAIR', instanceId: 'oo-1' })] });
    const added = await stack.call('POST', '/suppressions', { instanceId: 'oo-1', contacts: ['+55 11 98800-0009', 5511988000010], note: 'asked by phone' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ added: 2, total: 3 });
    expect((await stack.call('POST', '/suppressions', { instanceId: 'oo-1', contact: 'not a phone' })).status).toBe(400);
    expect((await stack.call('GET', '/suppressions')).status).toBe(400); // per instance: instanceId required
    const removed = await stack.call('DELETE', `/suppressions/${phone(4)}?instanceId=oo-1`);
    expect(removed.body).toMatchObject({ removed: true, contact: phone(4) });
    expect((await stack.call('DELETE', `/suppressions/${phone(4)}?instanceId=oo-1`)).body.removed).toBe(false);
    expect((await stack.call('GET', '/suppressions?instanceId=oo-1&limit=1')).body).toMatchObject({ total: 2, items: [expect.objectContaining({ reason: 'manual', note: 'asked by phone' })] });
    expect((await stack.call('GET', '/instance/oo-1/budget')).body.suppressions).toEqual({ count: 2, scope: 'instance' });
  });
});

describe('new chats and replies', () => {
  it('replies pass while the new-chat cap holds; the held message says which rule and gives up with a clear error', async () => {
    const first = await send('nc-1', phone(100), 'Olá, somos a loja');
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await message(first.body.messageId))?.status), { what: 'first new chat sent' });
    const second = await send('nc-1', phone(101), 'Olá, somos a loja');
    const held = await waitFor(async () => {
      const m = await message(second.body.messageId);
      return m?.hold ? m : undefined;
    }, { what: 'second new chat held' });
    expect(held).toMatchObject({ status: 'sending', lastError: { code: 'budget_held' }, hold: { rule: 'new_chat_daily_cap', until: expect.any(String) } });
    expect(held.lastError.message).toMatch(/daily cap of new chats/);

    // a customer writes; the agent's reply goes out at once, the cap still holding new chats
    expect((await stack.call('POST', '/instance/nc-1/sandbox/incoming', { from: phone(102), text: 'Vocês entregam hoje?' })).status).toBe(201);
    await waitFor(async () => (await redis.zscore(redisKeys(stack.prefix).inboundChats('nc-1'), phone(102))) !== null, { what: 'inbound chat recorded' });
    const reply = await send('nc-1', phone(102), 'Sim, até as 18h!');
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await message(reply.body.messageId))?.status), { what: 'reply sent' });
    const budget = (await stack.call('GET', '/instance/nc-1/budget')).body;
    expect(budget).toMatchObject({
      success: true,
      instanceId: 'nc-1',
      caps: { perMinute: 100, newChatsPerDay: 1 },
      used: { day: 2, newChats: 1 },
      newChats: { used: 1, cap: 1 },
      hold: { rule: 'new_chat_daily_cap' },
      warmup: { active: false, source: 'off' },
      health: { score: expect.any(Number), level: 'ok', inputs: expect.objectContaining({ sends: 2 }) },
      nextFreeSlot: expect.any(String),
    });

    // BUDGET_MAX_WAITS (4 here) rechecks later: failed, naming the rule and the limit
    const final = await waitFor(async () => {
      const m = await message(second.body.messageId);
      return m?.status === 'failed' ? m : undefined;
    }, { what: 'held message given up', timeoutMs: 15_000 });
    expect(final.error.code).toBe('budget_held');
    expect(final.error.message).toMatch(/daily cap of new chats .*gave up after 4 waits \(BUDGET_MAX_WAITS\)/);
    expect(await sentTo('nc-1', phone(101))).toHaveLength(0);
  });

  it('exports the budget in /metrics', async () => {
    const text = (await stack.call('GET', '/metrics')).body as string;
    expect(text).toMatch(/wa_budget_cap\{[^}]*instance="nc-1"[^}]*window="new_chats"[^}]*\} 1/);
    expect(text).toMatch(/wa_budget_used\{[^}]*instance="nc-1"[^}]*window="day"[^}]*\} [1-9]/);
    expect(text).toMatch(/wa_instance_health\{[^}]*instance="nc-1"[^}]*\} \d+/);
    expect(text).toMatch(/wa_suppressions\{[^}]*instance="oo-1"[^}]*\} 2/);
  });

  it('refuses unknown settings at create, and answers 404 for the budget of an unknown instance', async () => {
    expect((await stack.call('POST', '/instance/create', { instanceId: 'bad-settings', settings: { perMinut: 5 } })).status).toBe(400);
    expect((await stack.call('GET', '/instance/nobody/budget')).status).toBe(404);
    // settings change after create: the keys given replace theirs, the others stay
    const changed = await stack.call('POST', '/instance/nc-1/settings', { perMinute: 50, numberSince: '2021-03-01' });
    expect(changed.status).toBe(200);
    expect(changed.body.settings).toEqual({ newChatsPerDay: 1, perMinute: 50, numberSince: '2021-03-01T00:00:00.000Z' });
    expect((await stack.call('POST', '/instance/nc-1/settings', { perMinut: 5 })).status).toBe(400);
    expect((await stack.call('POST', '/instance/nobody/settings', { perMinute: 5 })).status).toBe(404);
    // the warm-up's age without numberSince: when the number first connected
    const view = (await stack.call('GET', '/instance/oo-1/status')).body.instance;
    expect(view.linkedAt).toBeGreaterThanOrEqual(view.createdAt);
  });
});
