import { warmupAge, warmupCap, warmupEndDay, warmupState } from '../../src/budget/warmup';
import { bellJitter } from '../../src/pacing/jitter';
import { normalizeOptOut, optOutWord, parseOptOutWords } from '../../src/budget/opt-out';
import { healthScore, HealthInputs } from '../../src/budget/health-score';
import { budgetEtaMs, EtaInput } from '../../src/budget/eta';
import { rulesFor } from '../../src/budget/rules';
import { contentKey } from '../../src/budget/content-key';
import { budgetDefaults } from '../../src/budget/defaults';
import { effectiveLimits } from '../../src/budget/limits';
import { bindingHold } from '../../src/budget/hold';
import { loadConfig } from '../../src/shared/config';
import { DEFAULT_OPT_OUT_WORDS } from '../../src/shared/budget-config';

/** The send budget's pure rules: no Redis, the clock passed in. */
const DAY = 86_400_000;
const T0 = new Date(2025, 7, 29, 10).getTime();
const WARM = { enabled: true, start: 20, factor: 1.5, idleMs: 7 * DAY };

describe('warm-up', () => {
  it('starts in the low tens and grows by the factor each day up to the day cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((d) => warmupCap(d, WARM))).toEqual([20, 30, 45, 68, 101, 152, 228, 342, 513, 769]);
    expect(warmupEndDay(1500, WARM)).toBe(12);
    const day1 = warmupState({ since: T0, source: 'linked' }, 1500, WARM, T0 + 3_600_000);
    expect(day1).toMatchObject({ active: true, day: 1, cap: 20, source: 'linked', endsOnDay: 12 });
    expect(warmupState({ since: T0, source: 'linked' }, 1500, WARM, T0 + 3 * DAY)).toMatchObject({ active: true, day: 4, cap: 68 });
    expect(warmupState({ since: T0, source: 'linked' }, 1500, WARM, T0 + 11 * DAY)).toMatchObject({ active: false, day: 12, cap: null });
    expect(warmupState({ since: T0, source: 'linked' }, 1500, { ...WARM, enabled: false }, T0)).toMatchObject({ active: false, source: 'off' });
  });

  it('takes the age from numberSince, else the first link, else the registration; an idle restart wins', () => {
    expect(warmupAge({ numberSince: '2024-01-01', linkedAt: T0, createdAt: T0 - DAY })).toEqual({ since: Date.parse('2024-01-01'), source: 'numberSince' });
    expect(warmupAge({ linkedAt: T0, createdAt: T0 - DAY })).toEqual({ since: T0, source: 'linked' });
    expect(warmupAge({ createdAt: T0 - DAY })).toEqual({ since: T0 - DAY, source: 'created' });
    expect(warmupAge({ numberSince: '2024-01-01', restartAt: T0 })).toEqual({ since: T0, source: 'idle_restart' });
  });

  it('lowers the day cap of the effective limits, and health scales every cap', () => {
    const defaults = budgetDefaults(loadConfig({ BUDGET_PER_DAY: '1000' }));
    const young = effectiveLimits(defaults, { createdAt: T0 }, undefined, 'ok', T0 + DAY);
    expect(young.caps).toMatchObject({ perMinute: 20, perHour: 200, perDay: 30 });
    expect(young.configured.perDay).toBe(1000);
    const old = effectiveLimits(defaults, { createdAt: T0, settings: { numberSince: '2020-01-01', perMinute: 8 } }, undefined, 'slow', T0);
    expect(old.warmup.active).toBe(false);
    expect(old.caps).toMatchObject({ perMinute: 4, perHour: 100, perDay: 500, newChatsPerDay: 125, identicalPerHour: 10 });
    expect(old.slowed).toBe(true);
    expect(effectiveLimits(defaults, { createdAt: T0, settings: { warmup: false } }, undefined, 'ok', T0).caps.perDay).toBe(1000);
  });
});

describe('defaults', () => {
  it('20 a minute (seed 004), 200 an hour, 1500 a day; BROADCAST_DAILY_CAP is the old name of the day cap', () => {
    const d = budgetDefaults(loadConfig({}));
    expect(d.caps).toEqual({ perMinute: 20, perHour: 200, perDay: 1500, newChatsPerDay: 250, identicalPerHour: 20 });
    expect(budgetDefaults(loadConfig({ BROADCAST_DAILY_CAP: '300' })).caps.perDay).toBe(300);
    expect(budgetDefaults(loadConfig({ BROADCAST_DAILY_CAP: '300', BUDGET_PER_DAY: '0' })).caps.perDay).toBe(0);
    expect([...d.optOutWords]).toEqual(DEFAULT_OPT_OUT_WORDS.split(','));
  });
});

describe('bell-shaped jitter', () => {
  it('stays in [0, max], has the uniform mean (max / 2) and clusters around it', () => {
    const n = 20_000;
    const xs = Array.from({ length: n }, () => bellJitter(2000));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(2000);
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 1000)).toBeLessThan(25);
    // a uniform draw lands in the middle half 50 % of the time; three averaged, about 80 %
    const middle = xs.filter((x) => x >= 500 && x <= 1500).length / n;
    expect(middle).toBeGreaterThan(0.75);
    const tails = xs.filter((x) => x < 100 || x > 1900).length / n;
    expect(tails).toBeLessThan(0.01);
    expect(bellJitter(0)).toBe(0);
    expect(bellJitter(100, () => 1)).toBe(100);
    expect(bellJitter(100, () => 0)).toBe(0);
  });
});

describe('opt-out words', () => {
  const words = parseOptOutWords(DEFAULT_OPT_OUT_WORDS);
  it.each([['STOP'], ['stop'], ['  Sair. '], ['PARAR!'], ['Cancelár'], ['descadastrar 🙏'], ['"Stop"']])('%s is an opt-out', (text) => {
    expect(optOutWord(text, words)).toBeDefined();
  });
  it.each([['stop by the store tomorrow'], ['não quero parar de receber'], ['SAIRR'], [''], ['ok']])('%s is not', (text) => {
    expect(optOutWord(text, words)).toBeUndefined();
  });
  it('normalises case and accents, and an empty list turns it off', () => {
    expect(normalizeOptOut(' Cancelação!! ')).toBe('CANCELACAO');
    expect(optOutWord('BAJA', parseOptOutWords('baja, alto'))).toBe('BAJA');
    expect(optOutWord('STOP', parseOptOutWords(''))).toBeUndefined();
  });
});

describe('health score', () => {
  const calm: HealthInputs = { sends: 100, lateRejections: 0, matured: 100, withoutReceipt: 0, campaignSends: 0, replies: 0, timelock: false, newChatCap: null };
  const o = { minSends: 10, minReplyRate: 0.02, slowBelow: 70, pauseBelow: 40 };
  it('is 100 without signals, and each signal costs its points', () => {
    expect(healthScore(calm, o)).toMatchObject({ score: 100, level: 'ok' });
    expect(healthScore({ ...calm, lateRejections: 10 }, o)).toMatchObject({ score: 75, level: 'ok', penalties: { lateRejections: 25 } });
    expect(healthScore({ ...calm, lateRejections: 20, withoutReceipt: 50 }, o)).toMatchObject({ score: 25, level: 'paused' });
    expect(healthScore({ ...calm, timelock: true, newChatCap: 'CAPPED' }, o)).toMatchObject({ score: 55, level: 'slow' });
    expect(healthScore({ ...calm, campaignSends: 50, replies: 0 }, o).penalties.replyRate).toBe(10);
    expect(healthScore({ ...calm, campaignSends: 50, replies: 5 }, o).penalties.replyRate).toBe(0);
  });
  it('counts rates only from the minimum number of sends', () => {
    expect(healthScore({ ...calm, sends: 3, lateRejections: 3, matured: 3, withoutReceipt: 3 }, o).score).toBe(100);
  });
});

describe('budget ETA', () => {
  const base: EtaInput = {
    pending: 100,
    caps: { perMinute: 20, perHour: 200, perDay: 0, newChatsPerDay: 0, identicalPerHour: 20 },
    configuredPerDay: 0,
    warmup: { active: false, day: null, cap: null, since: null, source: 'off', endsOnDay: null },
    warmupOptions: WARM,
    meanGapMs: 4000,
    usedToday: 0,
    identical: false,
    now: new Date(2025, 7, 29, 8).getTime(),
  };
  it('follows the gap and the minute cap, in bursts of the hour cap', () => {
    expect(budgetEtaMs(base)).toBe(400_000); // 15 a minute from the 4 s gap
    expect(budgetEtaMs({ ...base, meanGapMs: 1000 })).toBe(300_000); // 20 a minute
    // 200 in the first hour, 200 more from the next one at 20 a minute (10 minutes)
    expect(budgetEtaMs({ ...base, pending: 400, meanGapMs: 100 })).toBe(3_600_000 + 600_000);
    // one identical text: 20 an hour, the last 20 at 15 a minute
    expect(budgetEtaMs({ ...base, identical: true })).toBe(4 * 3_600_000 + 80_000);
  });
  it('waits for the next day at the day cap, and counts the hold', () => {
    const capped = budgetEtaMs({ ...base, caps: { ...base.caps, perDay: 50 }, usedToday: 40 });
    // 10 today, then 50 the next day and 40 the day after from midnight
    expect(capped).toBe(new Date(2025, 7, 31).getTime() + 40 * 4000 - base.now);
    expect(budgetEtaMs({ ...base, holdUntil: base.now + 60_000 })).toBe(460_000);
    // 150 already in the rolling hour (since 30 min ago): 50 fit in it, the other 50 wait for the next hour
    expect(budgetEtaMs({ ...base, usedHour: 150, hourStart: base.now - 1_800_000 })).toBe(1_800_000 + 50 * 4000);
  });
});

describe('which rule holds what', () => {
  it('replies are held only by the short windows; campaigns by everything', () => {
    expect(rulesFor('single', 'known')).toEqual({ windows: true, daily: false, identical: false, newChats: false, restriction: false, quiet: false, healthPause: false });
    expect(rulesFor('single', 'new')).toMatchObject({ windows: true, daily: true, identical: true, newChats: true, restriction: true, quiet: false, healthPause: false });
    expect(rulesFor('campaign', 'known')).toMatchObject({ daily: true, identical: true, newChats: false, restriction: false, quiet: true, healthPause: true });
  });
  it('names the hold that frees last', () => {
    expect(bindingHold([{ hold: 'minute_cap', until: 5 }, { hold: 'daily_cap', until: 9 }, { hold: 'hour_cap', until: 7 }])).toEqual({ hold: 'daily_cap', until: 9 });
    expect(bindingHold([])).toBeUndefined();
  });
  it('keys identical content on what the recipient sees', () => {
    expect(contentKey({ type: 'text', text: 'Oi Ana' })).toBe(contentKey({ type: 'text', text: 'Oi Ana', linkPreview: true }));
    expect(contentKey({ type: 'text', text: 'Oi Ana' })).not.toBe(contentKey({ type: 'text', text: 'Oi Bia' }));
    expect(contentKey({ type: 'reaction', emoji: 'x', targetId: 'y' })).toBeUndefined();
  });
});
