import IORedis from 'ioredis';
import { BUDGET_OFF, cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { loadConfig } from '../../src/shared/config';
import { createSendBudget } from '../../src/budget/create-budget';
import type { SendBudget, SendKind } from '../../src/budget/send-budget';
import { nextLocalMidnight } from '../../src/budget/daily-cap';
import { InboundChats } from '../../src/whatsapp/inbound-chats';
import type { BudgetInstance } from '../../src/budget/limits';
import type { SendContent } from '../../src/channels/content';
import type { AnyEventInput } from '../../src/events/envelope';

/**
 * Each rule of the send budget holds and releases as stated, on real Redis with an injected clock:
 * the minute and hour caps, the day cap and the warm-up (with its idle restart), the new-chat cap
 * (replies pass while it holds), identical-content spreading, reservations under concurrency,
 * refunds, and the health score with its level events and reset.
 */
const prefix = uniquePrefix('budget-rules');
const keys = redisKeys(prefix);
const redis = new IORedis(REDIS_URL);
const DAY = 86_400_000;
let clock = new Date(2025, 7, 29, 10).getTime();
const events: AnyEventInput[] = [];

function budget(env: Record<string, string>, instances: Record<string, BudgetInstance> = {}, conn: IORedis = redis): SendBudget {
  const config = loadConfig({ QUEUE_PREFIX: prefix, ...BUDGET_OFF, ...env });
  return createSendBudget(config, conn, { instance: async (id) => instances[id] ?? { createdAt: clock - 365 * DAY }, publish: (e) => events.push(e), now: () => clock });
}

const text = (t: string): SendContent => ({ type: 'text', text: t });
let seq = 0;
const phone = (i: number) => `55119${String(i).padStart(8, '0')}`;

/** One send through the budget: reserve, and commit as a send that reached WhatsApp. Returns the hold when held. */
async function send(b: SendBudget, instanceId: string, kind: SendKind, to: string, content: SendContent = text(`msg ${seq++}`)) {
  const r = await b.reserve(await b.plan(instanceId, kind, { to, content }), `tok-${seq++}`);
  if ('hold' in r) return r.hold;
  await b.commit(r.reservation, { messageId: `m-${seq++}`, campaignRecipient: kind === 'campaign' ? to : undefined });
  return undefined;
}

async function wrote(instanceId: string, from: string): Promise<void> {
  await new InboundChats(redis, keys, 7 * DAY).record(instanceId, { isGroup: false, fromMe: false, chatId: `${from}@s.whatsapp.net`, from, fromLid: null, lid: null }, clock);
}

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

describe('caps per minute and hour', () => {
  it('a minute cap holds every kind of send until the oldest send leaves the rolling minute', async () => {
    const b = budget({ BUDGET_PER_MINUTE: '3' });
    await wrote('min-1', phone(9));
    const t0 = clock;
    for (let i = 0; i < 3; i++) {
      expect(await send(b, 'min-1', 'campaign', phone(i))).toBeUndefined();
      clock += 1000;
    }
    // full: a campaign, a new chat and even a reply wait (short holds), until t0 + 60 s
    expect(await send(b, 'min-1', 'campaign', phone(3))).toEqual({ hold: 'minute_cap', until: t0 + 60_000 });
    expect(await b.check('min-1', 'single', { to: phone(9) })).toEqual({ hold: 'minute_cap', until: t0 + 60_000 });
    clock = t0 + 60_000;
    expect(await send(b, 'min-1', 'single', phone(9))).toBeUndefined();
    expect(await b.check('min-1', 'single', { to: phone(9) })).toEqual({ hold: 'minute_cap', until: t0 + 61_000 });
  });

  it('an hour cap holds until the oldest send leaves the rolling hour', async () => {
    const b = budget({ BUDGET_PER_HOUR: '4' });
    const t0 = clock;
    for (let i = 0; i < 4; i++) {
      expect(await send(b, 'hour-1', 'campaign', phone(i))).toBeUndefined();
      clock += 10 * 60_000;
    }
    expect(await send(b, 'hour-1', 'campaign', phone(5))).toEqual({ hold: 'hour_cap', until: t0 + 3_600_000 });
    clock = t0 + 3_600_000;
    expect(await send(b, 'hour-1', 'campaign', phone(5))).toBeUndefined();
  });

  it('reservations are atomic: 30 concurrent senders on 6 connections never take more than the cap', async () => {
    const conns = Array.from({ length: 6 }, () => new IORedis(REDIS_URL));
    try {
      const budgets = conns.map((c) => budget({ BUDGET_PER_MINUTE: '7' }, {}, c));
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => send(budgets[i % budgets.length], 'race-1', i % 2 ? 'single' : 'campaign', phone(100 + i))));
      expect(results.filter((h) => h === undefined)).toHaveLength(7);
      expect(results.filter((h) => h?.hold === 'minute_cap')).toHaveLength(23);
      expect(await redis.zcard(keys.budgetSends('race-1'))).toBe(7);
    } finally {
      for (const c of conns) c.disconnect();
    }
  });

  it('a send that never reached WhatsApp (refund) or was a duplicate gives its place back', async () => {
    const b = budget({ BUDGET_PER_MINUTE: '1' });
    const r = await b.reserve(await b.plan('refund-1', 'campaign', { to: phone(1) }), 'tok-refund');
    if ('hold' in r) throw new Error('held');
    expect(await b.check('refund-1', 'campaign')).toMatchObject({ hold: 'minute_cap' });
    await b.refund(r.reservation);
    await b.refund(r.reservation); // twice: still one place back
    expect(await b.check('refund-1', 'campaign')).toBeUndefined();
    expect(await b.dailyCount('refund-1')).toBe(0);
    const again = await b.reserve(await b.plan('refund-1', 'campaign', { to: phone(1) }), 'tok-dup');
    if ('hold' in again) throw new Error('held');
    await b.commit(again.reservation, { messageId: 'dup', duplicate: true });
    expect(await b.check('refund-1', 'campaign')).toBeUndefined();
  });
});

describe('day cap and warm-up', () => {
  it('a young number gets the warm-up cap (held as warmup), growing by the factor the next day', async () => {
    const linkedAt = clock - 3_600_000;
    const b = budget({ BUDGET_PER_DAY: '100', BUDGET_WARMUP: 'on', BUDGET_WARMUP_START: '3', BUDGET_WARMUP_FACTOR: '2' }, { 'warm-1': { createdAt: linkedAt, linkedAt } });
    for (let i = 0; i < 3; i++) expect(await send(b, 'warm-1', 'campaign', phone(i))).toBeUndefined();
    const held = await send(b, 'warm-1', 'campaign', phone(3));
    expect(held).toEqual({ hold: 'warmup', until: nextLocalMidnight(new Date(clock)) });
    expect((await b.limits('warm-1')).limits.warmup).toMatchObject({ active: true, day: 1, cap: 3, source: 'linked' });
    // a day later: day 2, cap 6 (and a new local day)
    clock += DAY;
    expect((await b.limits('warm-1')).limits.caps.perDay).toBe(6);
    for (let i = 0; i < 6; i++) expect(await send(b, 'warm-1', 'campaign', phone(10 + i))).toBeUndefined();
    expect(await send(b, 'warm-1', 'campaign', phone(20))).toMatchObject({ hold: 'warmup' });
    // settings.numberSince: an old number has no warm-up, only the day cap
    const old = budget({ BUDGET_PER_DAY: '100', BUDGET_WARMUP: 'on' }, { 'warm-2': { createdAt: clock, settings: { numberSince: '2019-05-01' } } });
    expect((await old.limits('warm-2')).limits).toMatchObject({ caps: { perDay: 100 }, warmup: { active: false, source: 'numberSince' } });
  });

  it('a number idle past BUDGET_WARMUP_IDLE_DAYS starts its warm-up again', async () => {
    const env = { BUDGET_PER_DAY: '100', BUDGET_WARMUP: 'on', BUDGET_WARMUP_START: '5', BUDGET_WARMUP_IDLE_DAYS: '7' };
    const b = budget(env, { 'idle-1': { createdAt: clock - 60 * DAY, settings: { numberSince: '2020-01-01' } } });
    expect(await send(b, 'idle-1', 'campaign', phone(1))).toBeUndefined();
    expect((await b.limits('idle-1')).limits.caps.perDay).toBe(100);
    clock += 8 * DAY;
    expect(await send(b, 'idle-1', 'campaign', phone(2))).toBeUndefined();
    expect((await b.limits('idle-1')).limits).toMatchObject({ caps: { perDay: 5 }, warmup: { active: true, day: 1, source: 'idle_restart' } });
  });

  it('the day cap frees at the next local midnight', async () => {
    const b = budget({ BUDGET_PER_DAY: '2' });
    await send(b, 'day-1', 'campaign', phone(1));
    await send(b, 'day-1', 'campaign', phone(2));
    const held = await send(b, 'day-1', 'campaign', phone(3));
    expect(held).toEqual({ hold: 'daily_cap', until: nextLocalMidnight(new Date(clock)) });
    clock = held!.until + 1;
    expect(await send(b, 'day-1', 'campaign', phone(3))).toBeUndefined();
  });
});

describe('new chats and replies', () => {
  it('the daily new-chat cap holds sends that open a chat; replies pass while it holds', async () => {
    const b = budget({ BUDGET_NEW_CHATS_PER_DAY: '2' });
    await wrote('nc-1', phone(50));
    expect(await send(b, 'nc-1', 'single', phone(1))).toBeUndefined();
    expect(await send(b, 'nc-1', 'campaign', phone(2))).toBeUndefined();
    const midnight = nextLocalMidnight(new Date(clock));
    expect(await send(b, 'nc-1', 'single', phone(3))).toEqual({ hold: 'new_chat_daily_cap', until: midnight });
    expect(await send(b, 'nc-1', 'campaign', phone(4))).toEqual({ hold: 'new_chat_daily_cap', until: midnight });
    // the reply goes, and a campaign recipient who wrote to us is not a new chat either
    expect(await send(b, 'nc-1', 'single', phone(50))).toBeUndefined();
    expect(await send(b, 'nc-1', 'campaign', phone(50))).toBeUndefined();
    expect((await b.windows.usage('nc-1', clock)).newChats).toBe(2);
    clock = midnight + 1;
    expect(await send(b, 'nc-1', 'single', phone(3))).toBeUndefined();
  });
});

describe('identical content', () => {
  it('the same text to more than N recipients an hour is spread: one every hour/N, never more than N in the hour', async () => {
    const b = budget({ BUDGET_IDENTICAL_PER_HOUR: '4' });
    const promo = text('Promoção de hoje: 20% de desconto!');
    const t0 = clock;
    for (let i = 0; i < 4; i++) {
      expect(await send(b, 'same-1', 'campaign', phone(i), promo)).toBeUndefined();
      clock += 1000;
    }
    // the 5th waits for room in the rolling hour; a templated text (another rendering) goes on
    expect(await send(b, 'same-1', 'campaign', phone(4), promo)).toEqual({ hold: 'identical_content', until: t0 + 3_600_000 });
    expect(await send(b, 'same-1', 'campaign', phone(5), text('Olá Ana, 20% de desconto!'))).toBeUndefined();
    // a reply with the same words is never held by it
    await wrote('same-1', phone(60));
    expect(await send(b, 'same-1', 'single', phone(60), promo)).toBeUndefined();
    // an hour on: the 5th goes when the hour has room; from then on the text is spread, one every hour/N (15 min)
    clock = t0 + 3_600_000;
    // (the oldest left the hour; the next oldest, at t0 + 1 s, still fills it; the reply counted too)
    expect(await send(b, 'same-1', 'campaign', phone(4), promo)).toEqual({ hold: 'identical_content', until: t0 + 3_601_000 });
    const spread = await b.check('same-1', 'campaign', { content: promo, to: phone(7) });
    expect(spread?.hold).toBe('identical_content');
    clock = spread!.until;
    expect(await send(b, 'same-1', 'campaign', phone(7), promo)).toBeUndefined();
    expect(await b.check('same-1', 'campaign', { content: promo, to: phone(8) })).toEqual({ hold: 'identical_content', until: clock + 15 * 60_000 });
  });
});

describe('suppressions', () => {
  it('adds, finds, lists and removes contacts, per instance', async () => {
    const b = budget({});
    expect(await b.suppressions.add('sup-1', [phone(1), '123456789012345@lid'], { reason: 'manual', at: new Date(clock).toISOString() })).toBe(2);
    expect(await b.suppressed('sup-1', phone(1))).toBe(true);
    expect(await b.suppressed('sup-1', '123456789012345@lid')).toBe(true);
    expect(await b.suppressed('sup-2', phone(1))).toBe(false);
    expect((await b.suppressions.list('sup-1', 0, 10)).total).toBe(2);
    expect(await b.suppressions.remove('sup-1', phone(1))).toBe(true);
    expect(await b.suppressed('sup-1', phone(1))).toBe(false);
    const global = budget({ SUPPRESSION_SCOPE: 'global' });
    await global.suppressions.add(undefined, [phone(2)], { reason: 'manual', at: new Date(clock).toISOString() });
    expect(await global.suppressed('any-instance', phone(2))).toBe(true);
  });
});

describe('health', () => {
  it('late rejections and missing receipts lower the score; each level change is one event; a reset forgets', async () => {
    const b = budget({ HEALTH_MIN_SENDS: '5', HEALTH_RECEIPT_AFTER_MS: '60000', HEALTH_MIN_REPLY_RATE: '0' });
    events.length = 0;
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await b.reserve(await b.plan('h-1', 'campaign', { to: phone(i) }), `ht-${i}`);
      if ('hold' in r) throw new Error('held');
      await b.commit(r.reservation, { messageId: `hm-${i}`, campaignRecipient: phone(i) });
      sent.push(`hm-${i}`);
    }
    for (const id of sent.slice(0, 5)) await b.health.delivered('h-1', id);
    expect((await b.health.evaluate('h-1', clock)).score).toBe(100);
    for (const id of sent.slice(5, 8)) await b.health.rejected('h-1', id);
    const slow = await b.health.evaluate('h-1', clock);
    expect(slow).toMatchObject({ level: 'slow', inputs: { sends: 10, lateRejections: 3 }, penalties: { lateRejections: 50 } });
    expect((await b.limits('h-1')).limits.slowed).toBe(true);
    // a minute later the 5 sends without a receipt count too: paused, and campaigns are held by health
    clock += 61_000;
    const paused = await b.health.evaluate('h-1', clock);
    expect(paused).toMatchObject({ score: 25, level: 'paused', inputs: { matured: 10, withoutReceipt: 5 } });
    expect(await b.check('h-1', 'campaign', { to: phone(99) })).toMatchObject({ hold: 'health' });
    expect(await b.check('h-1', 'single', { to: phone(99) })).toBeUndefined();
    await b.health.evaluate('h-1', clock);
    const changes = events.filter((e) => e.type === 'instance.health').map((e) => e.data as { level: string; previousLevel: string; reason: string });
    expect(changes).toEqual([expect.objectContaining({ previousLevel: 'ok', level: 'slow', reason: 'score' }), expect.objectContaining({ previousLevel: 'slow', level: 'paused', reason: 'score' })]);
    const reset = await b.health.reset('h-1', clock);
    expect(reset).toMatchObject({ score: 100, level: 'ok' });
    expect(events.at(-1)).toMatchObject({ type: 'instance.health', instanceId: 'h-1', data: { previousLevel: 'paused', level: 'ok', reason: 'reset' } });
    expect(await b.check('h-1', 'campaign', { to: phone(99) })).toBeUndefined();
  });

  it('replies of campaign recipients count for the reply rate', async () => {
    const b = budget({ HEALTH_MIN_SENDS: '4', HEALTH_MIN_REPLY_RATE: '0.5' });
    for (let i = 0; i < 4; i++) await send(b, 'h-2', 'campaign', phone(i));
    expect((await b.health.evaluate('h-2', clock)).penalties.replyRate).toBe(10);
    clock += 1000;
    await b.health.replied('h-2', [phone(0)], clock);
    await b.health.replied('h-2', [phone(1), '999@lid'], clock);
    await b.health.replied('h-2', [phone(77)], clock); // not a campaign recipient
    expect((await b.health.evaluate('h-2', clock)).inputs).toMatchObject({ campaignSends: 4, replies: 2 });
    expect((await b.health.evaluate('h-2', clock)).penalties.replyRate).toBe(0);
  });
});
