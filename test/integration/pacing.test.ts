import IORedis from 'ioredis';
import { REDIS_URL, waitFor } from '../helpers/env';
import { MessagingStack } from '../helpers/messaging-stack';
import { redisKeys } from '../../src/shared/keys';
import { Pacer, PacePriority, isPaced } from '../../src/pacing/pacer';
import type { InstanceSettings } from '../../src/whatsapp/types';

const GAP = 200;
const stack = new MessagingStack('pacing');
const redisA = new IORedis(REDIS_URL);
const redisB = new IORedis(REDIS_URL);

function pacer(redis: IORedis, minGapMs: number, settings: Record<string, InstanceSettings> = {}): Pacer {
  return new Pacer(redis, redisKeys(stack.prefix), { minGapMs, jitterMs: 0, leaseMs: 5000, settings: async (id) => settings[id] });
}

beforeAll(async () => {
  await stack.start({ PACING_MIN_GAP_MS: GAP, PACING_JITTER_MS: 0, SANDBOX_LATENCY_MS: 5 });
  await stack.createInstance('paced-1');
});

afterAll(async () => {
  redisA.disconnect();
  redisB.disconnect();
  await stack.stop();
});

describe('pacing through the whole path', () => {
  it('sends 20 messages to one instance no closer than the gap (sandbox log times)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stack.call('POST', '/queue/add-message', { instanceId: 'paced-1', phone: `55119999${String(i).padStart(5, '0')}`, message: `n${i}` })),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const lines = await waitFor(async () => {
      const l = (await stack.sendLog()).filter((x) => x.instanceId === 'paced-1');
      return l.length >= 20 ? l : undefined;
    }, { timeoutMs: 20_000, what: '20 sends' });
    const times = lines.map((l) => l.at).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(lines).toHaveLength(20);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(GAP);
  });
});

describe('Pacer (real Redis, two connections standing in for two processes)', () => {
  it('keeps the gap between acquirers of two processes', async () => {
    const [a, b] = [pacer(redisA, 100), pacer(redisB, 100)];
    const starts: number[] = [];
    const one = async (p: Pacer) => {
      const lease = await p.acquire('two-proc', { priority: 'single' });
      starts.push(Date.now());
      await lease.release();
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => one(i % 2 ? a : b)));
    starts.sort((x, y) => x - y);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // Date.now() here vs Redis TIME in the scripts: allow the clock read's granularity
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(99);
  });

  it('lets single messages go ahead of campaign traffic waiting for the same instance', async () => {
    const p = pacer(redisA, 120);
    const order: string[] = [];
    const take = async (name: string, priority: PacePriority) => {
      const lease = await p.acquire('prio-1', { priority });
      order.push(name);
      await lease.release();
    };
    // a campaign sending one recipient after another
    const campaign = (async () => {
      for (let i = 0; i < 6; i++) await take(`c${i}`, 'campaign');
    })();
    await waitFor(() => order.length >= 2, { what: 'campaign under way' });
    const singles = Promise.all([take('s0', 'single'), take('s1', 'single'), take('s2', 'single')]);
    await Promise.all([campaign, singles]);
    const firstSingle = order.indexOf('s0') >= 0 ? Math.min(...['s0', 's1', 's2'].map((s) => order.indexOf(s))) : -1;
    // at most one campaign slot (reserved before the singles arrived) comes between them and the singles
    const singlesBlock = order.slice(firstSingle, firstSingle + 3).sort();
    expect(singlesBlock).toEqual(['s0', 's1', 's2']);
    expect(firstSingle).toBeLessThanOrEqual(order.indexOf('c2') + 1);
    expect(order.filter((n) => n.startsWith('c'))).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('applies the largest minimum (instance settings, caller) and refuses waits beyond maxWaitMs', async () => {
    const p = pacer(redisA, 10, { 'slow-1': { minGapMs: 300 } });
    expect(await p.budget('slow-1', 50)).toEqual({ gapMs: 300, jitterMs: 0 });
    expect(await p.budget('other', 500)).toEqual({ gapMs: 500, jitterMs: 0 });
    const first = await p.acquire('slow-1', { priority: 'single' });
    await first.release();
    const second = p.acquire('slow-1', { priority: 'single' }); // reserves the next slot
    const refused = await p.acquire('slow-1', { priority: 'single', maxWaitMs: 100 }).then(
      () => undefined,
      (err) => err,
    );
    expect(isPaced(refused)).toBe(true);
    expect(refused.retryAfterMs).toBeGreaterThan(100);
    await (await second).release();
  });

  // the daily count moved to src/budget/ (test/integration/send-budget.test.ts)
  it('turns off with a zero gap', async () => {
    const p = pacer(redisA, 0);
    const leases = await Promise.all(Array.from({ length: 5 }, () => p.acquire('free-1', { priority: 'campaign' })));
    expect(leases.every((l) => l.waitedMs === 0)).toBe(true);
    expect(await redisA.exists(redisKeys(stack.prefix).pace('free-1'))).toBe(0);
  });
});
