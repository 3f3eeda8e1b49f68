import { waitFor } from '../helpers/env';
import { BroadcastStack } from '../helpers/broadcast-stack';

/**
 * The health score through the sandbox: every send ends in a late rejection (SANDBOX_LATE_REJECT_RATE=1;
 * RESTRICTION_ACK_HOLD_MS=0 so a 463 does not also mark the timelock, and a high circuit threshold so
 * the breaker does not stop the campaign first). The score falls, each level change is an
 * instance.health event, the campaign pauses with reason `health`, and an operator reset lets it go on.
 */
jest.setTimeout(60_000);

const stack = new BroadcastStack('budget-health');

beforeAll(async () => {
  await stack.start({
    SANDBOX_LATE_REJECT_RATE: 1,
    RESTRICTION_ACK_HOLD_MS: 0,
    CIRCUIT_FAILURE_THRESHOLD: 10_000,
    SANDBOX_RECEIPT_DELAY_MS: 60,
    HEALTH_MIN_SENDS: 5,
    HEALTH_RECEIPT_AFTER_MS: 300,
  });
  await stack.createInstance('hl-1');
});

afterAll(async () => {
  await stack.stop();
});

const healthEvents = async () => (await stack.events('instance.health')).filter((e) => e.instanceId === 'hl-1').sort((a, b) => String(a.data.at).localeCompare(String(b.data.at)));

describe('health score', () => {
  it('falls after late rejections, slows the budget, then pauses the campaign with reason health', async () => {
    const contacts = Array.from({ length: 40 }, (_, i) => `55119777${String(i).padStart(5, '0')}`);
    const res = await stack.call('POST', '/queue/add-broadcast', { instanceId: 'hl-1', campaignId: 'camp-hl', contacts, message: 'Oferta {{name}}', rateLimitMs: 100 });
    expect(res.status).toBe(202);
    const paused = await waitFor(async () => {
      const s = (await stack.status('camp-hl')).body;
      return s.pauseReason === 'health' ? s : undefined;
    }, { what: 'campaign paused by health', timeoutMs: 30_000 });
    expect(paused.status).toBe('paused');
    expect(paused.pending).toBeGreaterThan(0);
    const budget = (await stack.call('GET', '/instance/hl-1/budget')).body;
    expect(budget.health).toMatchObject({ level: 'paused', slowed: true, inputs: { lateRejections: expect.any(Number) } });
    expect(budget.health.score).toBeLessThan(40);
    expect(budget.health.penalties.lateRejections).toBe(50);
    expect(budget.hold).toMatchObject({ rule: 'health' });
    // one event per level change, from ok to paused (through slow when an evaluation falls between the thresholds)
    const changes = (await healthEvents()).map((e) => `${e.data.previousLevel}>${e.data.level}`);
    expect(changes[0]).toMatch(/^ok>(slow|paused)$/);
    expect(changes.at(-1)).toMatch(/>paused$/);
    expect(new Set(changes).size).toBe(changes.length);

    // nothing more is sent while paused
    const before = (await stack.sendLog('hl-1')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stack.sendLog('hl-1')).length).toBe(before);

    // the operator resets: the counted inputs are forgotten and the campaign goes on
    const reset = await stack.call('POST', '/instance/hl-1/health/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.health).toMatchObject({ score: 100, level: 'ok' });
    await waitFor(async () => (await stack.sendLog('hl-1')).length > before, { what: 'sending again after the reset' });
    expect((await healthEvents()).some((e) => e.data.reason === 'reset' && e.data.previousLevel === 'paused' && e.data.level === 'ok')).toBe(true);
    expect((await stack.call('POST', '/broadcast/camp-hl/cancel')).status).toBe(200);
  });
});
