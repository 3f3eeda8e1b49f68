import { Counter, Registry } from 'prom-client';
import { perMinute, startPm2Monit, underPm2 } from '../../src/metrics/pm2-monit';

describe('pm2 monit reporter', () => {
  it('is off outside PM2: no IPC channel or no pm_id', () => {
    expect(underPm2({})).toBe(false);
    expect(underPm2({ pm_id: '3' })).toBe(typeof process.send === 'function');
  });

  it("sends PM2's axm:monitor message with each probe's value and unit, skipping probes that throw", async () => {
    const sent: unknown[] = [];
    const reporter = startPm2Monit(
      [
        { name: 'Waiting', value: () => 4 },
        { name: 'Oldest waiting', unit: 's', value: async () => 12 },
        { name: 'Broken', value: () => { throw new Error('redis away'); } },
      ],
      { intervalMs: 20, enabled: true, send: (m) => sent.push(m) },
    );
    try {
      const deadline = Date.now() + 5000;
      while (!sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(sent[0]).toEqual({ type: 'axm:monitor', data: { Waiting: { value: 4 }, 'Oldest waiting': { value: 12, unit: 's' } } });
    } finally {
      reporter.stop();
    }
  });

  it('sends nothing when disabled', async () => {
    const sent: unknown[] = [];
    const reporter = startPm2Monit([{ name: 'x', value: () => 1 }], { intervalMs: 10, enabled: false, send: (m) => sent.push(m) });
    await new Promise((r) => setTimeout(r, 50));
    reporter.stop();
    expect(sent).toEqual([]);
    expect(await reporter.collect()).toEqual({ x: { value: 1 } });
  });

  it('takes probes added later (features built after the reporter, such as the send budget)', async () => {
    const reporter = startPm2Monit([{ name: 'a', value: () => 1 }], { intervalMs: 10, enabled: false });
    reporter.add({ name: 'Budget holds/min', value: () => 3 });
    expect(await reporter.collect()).toEqual({ a: { value: 1 }, 'Budget holds/min': { value: 3 } });
  });

  it('per minute: the increase of a counter scaled to one minute', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['outcome'], registers: [registry] });
    let now = 1_000_000;
    const rate = perMinute(counter, [{ outcome: 'completed' }], () => now);
    expect(await rate()).toBe(0);
    counter.inc({ outcome: 'completed' }, 5);
    counter.inc({ outcome: 'failed' }, 100); // not counted
    now += 10_000;
    expect(await rate()).toBe(30); // 5 in 10 s
    counter.inc({ outcome: 'completed' }, 55);
    now += 50_000;
    expect(await rate()).toBe(60); // 60 in the first minute
    counter.inc({ outcome: 'completed' }, 30);
    now += 30_000;
    expect(await rate()).toBe(64); // window from the 10 s sample: 85 in 80 s
    now += 90_000;
    expect(await rate()).toBe(0); // nothing in the last minute
  });
});
