import IORedis from 'ioredis';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { BUDGET_OFF, REDIS_URL, sleep, waitFor } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { createSendPipeline } from '../../src/messages/create-send-pipeline';
import type { SendBudget } from '../../src/budget/send-budget';
import { createSendBudget } from '../../src/budget/create-budget';
import { DAILY_TTL_SECONDS, localDay, nextLocalMidnight } from '../../src/budget/daily-cap';
import { InboundChats } from '../../src/whatsapp/inbound-chats';
import { loadConfig } from '../../src/shared/config';
import { newMessageId } from '../../src/whatsapp/ids';
import type { InstanceSettings } from '../../src/whatsapp/types';

/**
 * One number, one budget: single messages (message-worker) and campaigns (broadcast-worker) count
 * on the same daily counter; the cap holds campaigns and new chats, never a reply to a chat that
 * wrote. Both workers run in this process beside whatsapp-server (sandbox driver, real Redis, real
 * HTTP). The other rules: send-budget-rules.test.ts; two processes: send-budget-shared.test.ts.
 */
const stack = new BroadcastStack('budget');
const redis = new IORedis(REDIS_URL);
let messageWorker: Running | undefined;

const phone = (i: number) => `551197${String(i).padStart(7, '0')}`;
const keys = () => redisKeys(stack.prefix);

/** A budget over the test's Redis with these variables (caps off unless given) and per-instance settings. */
function budget(env: Record<string, string> = {}, settings: Record<string, InstanceSettings> = {}): SendBudget {
  const config = loadConfig({ QUEUE_PREFIX: stack.prefix, ...BUDGET_OFF, ...env });
  return createSendBudget(config, redis, { instance: async (id) => ({ settings: settings[id] }) });
}

async function sendSingle(instanceId: string, i: number): Promise<string> {
  const res = await stack.call('POST', '/queue/add-message', { instanceId, phone: phone(i), message: `single ${i}` });
  expect(res.status).toBe(202);
  return res.body.messageId;
}

beforeAll(async () => {
  await stack.start({ QUEUE_LOCK_DURATION_MS: 5000 });
  // broadcast-worker started by the stack; message-worker beside it, as PM2 runs them
  messageWorker = await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger());
  for (const id of ['budget-1', 'budget-2']) await stack.createInstance(id);
}, 60_000);

afterAll(async () => {
  await messageWorker?.close();
  await stack.stop();
  redis.disconnect();
});

describe('SendBudget (real Redis)', () => {
  it('counts every reservation on the day key campaigns have always used, kept past the day', async () => {
    const b = budget();
    const now = new Date();
    for (let i = 0; i < 5; i++) {
      const r = await b.reserve(await b.plan('count-1', 'single', { to: phone(i), now }), `t${i}`);
      if ('hold' in r) throw new Error('held');
      await b.commit(r.reservation, { messageId: `m${i}` });
    }
    expect(await b.dailyCount('count-1', now)).toBe(5);
    const key = keys().dailyCount('count-1', localDay(now));
    expect(await redis.get(key)).toBe('5');
    expect(await redis.ttl(key)).toBeGreaterThan(DAILY_TTL_SECONDS - 60);
  });

  it('takes the cap from settings.dailyCap, else the default; 0 = none', async () => {
    const b = budget({ BUDGET_PER_DAY: '10' }, { capped: { dailyCap: 2 }, free: { dailyCap: 0 } });
    expect(await b.dailyCap('capped')).toBe(2);
    expect(await b.dailyCap('free')).toBe(0);
    expect(await b.dailyCap('other')).toBe(10);
    await redis.set(keys().dailyCount('free', localDay(new Date())), 50);
    expect(await b.check('free', 'campaign')).toBeUndefined();
  });

  it('holds campaigns and new chats at the cap until midnight, and campaigns in quiet hours; never a reply', async () => {
    const now = new Date();
    const b = budget({}, { capped: { dailyCap: 2 } });
    await redis.set(keys().dailyCount('capped', localDay(now)), 1);
    expect(await b.check('capped', 'campaign', { now })).toBeUndefined();
    await redis.incr(keys().dailyCount('capped', localDay(now)));
    expect(await b.check('capped', 'campaign', { now })).toEqual({ hold: 'daily_cap', until: nextLocalMidnight(now) });
    expect(await b.check('capped', 'single', { now, to: phone(1) })).toEqual({ hold: 'daily_cap', until: nextLocalMidnight(now) });
    // a chat that wrote to us: an agent's reply goes out whatever the day used
    await new InboundChats(redis, keys(), 86_400_000).record('capped', { isGroup: false, fromMe: false, chatId: `${phone(2)}@s.whatsapp.net`, from: phone(2), fromLid: null, lid: null });
    expect(await b.check('capped', 'single', { now, to: phone(2) })).toBeUndefined();

    const night = new Date(2025, 7, 29, 23, 30);
    const quiet = budget({ BROADCAST_QUIET_HOURS: '22-8' });
    expect(await quiet.check('q-1', 'campaign', { now: night })).toEqual({ hold: 'quiet_hours', until: new Date(2025, 7, 30, 8).getTime() });
    expect(await quiet.check('q-1', 'single', { now: night, to: phone(3) })).toBeUndefined();
    expect(await quiet.check('q-1', 'campaign', { now: new Date(2025, 7, 29, 12) })).toBeUndefined();
  });
});

describe('single messages count against the daily cap', () => {
  const N = 3;

  it('counts every single message sent, and a campaign gets only what is left of the cap', async () => {
    for (let i = 0; i < N; i++) await sendSingle('budget-1', i);
    const b = budget();
    await waitFor(async () => (await b.dailyCount('budget-1')) === N, { what: `${N} single messages counted` });
    expect(await stack.sendLog('budget-1')).toHaveLength(N);

    // cap N + 1: the singles used N of it, so the campaign sends one recipient and holds
    const record = JSON.parse((await redis.hget(keys().instances, 'budget-1')) as string);
    await redis.hset(keys().instances, 'budget-1', JSON.stringify({ ...record, settings: { dailyCap: N + 1 } }));
    const contacts = [phone(100), phone(101), phone(102)];
    expect((await stack.call('POST', '/queue/add-broadcast', { instanceId: 'budget-1', campaignId: 'camp-budget', contacts, message: 'campaign' })).status).toBe(202);
    const held = await waitFor(async () => {
      const s = (await stack.status('camp-budget')).body;
      return s.pauseReason === 'daily_cap' ? s : undefined;
    }, { what: 'daily cap hold' });
    const midnight = new Date();
    midnight.setHours(24, 0, 0, 0);
    expect(held).toMatchObject({ status: 'paused', sent: 1, pending: 2, holdUntil: midnight.toISOString() });
    expect(await b.dailyCount('budget-1')).toBe(N + 1);

    // the cap holds the campaign, never an agent's reply to a chat that wrote: it goes out, counted past the cap
    expect((await stack.call('POST', '/instance/budget-1/sandbox/incoming', { from: phone(50), text: 'oi, e o meu pedido?' })).status).toBe(201);
    // the chat is recorded as the event leaves whatsapp-server (not awaited: a CRM answers after the webhook)
    await waitFor(async () => (await redis.zscore(keys().inboundChats('budget-1'), phone(50))) !== null, { what: 'inbound chat recorded' });
    await sendSingle('budget-1', 50);
    await waitFor(async () => (await b.dailyCount('budget-1')) === N + 2, { what: 'reply past the cap counted' });
    await sleep(300);
    const sent = (await stack.sendLog('budget-1')).map((l) => l.to);
    expect(sent.filter((to) => contacts.includes(to))).toHaveLength(1);
    expect(sent).toContain(phone(50));
    expect(sent).toHaveLength(N + 2);
    expect((await stack.status('camp-budget')).body).toMatchObject({ sent: 1, pauseReason: 'daily_cap' });
    expect((await stack.call('POST', '/broadcast/camp-budget/cancel')).body.status).toBe('cancelled');
  });

  it('does not count a duplicate (answered from the send ledger); a campaign send counts once', async () => {
    const built = createSendPipeline({ config: stack.config, logger: silentLogger(), redis, publish: () => undefined, settings: async () => undefined });
    try {
      const { pipeline } = built;
      const req = { instanceId: 'budget-2', to: phone(200), content: { type: 'text' as const, text: 'once' }, messageId: newMessageId(), priority: 'single' as const };
      expect((await pipeline.send(req)).duplicate).toBe(false);
      expect(await pipeline.budget.dailyCount('budget-2')).toBe(1);
      // a retry after the send reached WhatsApp: the ledger answers, nothing is sent or counted again
      expect((await pipeline.send(req)).duplicate).toBe(true);
      expect(await pipeline.budget.dailyCount('budget-2')).toBe(1);
      // a campaign send is counted by its reservation too (its finalize script no longer counts)
      await pipeline.send({ ...req, messageId: newMessageId(), to: phone(201), priority: 'campaign' });
      expect(await pipeline.budget.dailyCount('budget-2')).toBe(2);
      expect(await stack.sendLog('budget-2')).toHaveLength(2);
    } finally {
      built.close();
    }
  });
});
