import { withTimeout } from '../shared/redis';
import type { ProcessMetrics } from './registry';
import type { MonitProbe } from './pm2-monit';

const SCRAPE_TIMEOUT_MS = 3000;
const LEVEL = { ok: 0, slow: 1, paused: 2 } as const;

/** One instance's budget as the gauges read it (SendBudget.limits + windows.usage + suppressions.count). */
export interface BudgetSample {
  instanceId: string;
  caps: { perMinute: number; perHour: number; perDay: number; newChatsPerDay: number };
  used: { minute: number; hour: number; day: number; newChats: number };
  health: { score: number; level: keyof typeof LEVEL };
  warmupDay: number | null;
  suppressions: number;
}

/**
 * Per instance, read from Redis at scrape time (whatsapp-server): wa_budget_used / wa_budget_cap by
 * window (minute, hour, day, new_chats; cap 0 = none), wa_instance_health (0-100) and its level
 * (0 ok, 1 slow, 2 paused), the warm-up day and the suppression list's size. One read per scrape
 * serves every gauge; pm2 monit shows the lowest health and how many numbers are slowed or paused.
 */
export function registerBudgetGauges(metrics: ProcessMetrics, sample: () => Promise<BudgetSample[]>): MonitProbe[] {
  let last: { at: number; value: Promise<BudgetSample[]> } | undefined;
  const read = () => {
    if (last && Date.now() - last.at < 500) return last.value;
    last = { at: Date.now(), value: withTimeout(sample(), SCRAPE_TIMEOUT_MS, 'budget read timed out') };
    return last.value;
  };
  const gauge = (name: string, help: string, labels: readonly string[], fill: (set: (l: Record<string, string>, v: number) => void, rows: BudgetSample[]) => void) =>
    metrics.gauge(name, help, labels, async (g) => {
      const rows = await read().catch(() => undefined);
      if (!rows) return;
      g.reset();
      fill((l, v) => g.set(l, v), rows);
    });
  const windows = ['minute', 'hour', 'day', 'new_chats'] as const;
  const capOf = (r: BudgetSample, w: (typeof windows)[number]) => ({ minute: r.caps.perMinute, hour: r.caps.perHour, day: r.caps.perDay, new_chats: r.caps.newChatsPerDay })[w];
  const usedOf = (r: BudgetSample, w: (typeof windows)[number]) => ({ minute: r.used.minute, hour: r.used.hour, day: r.used.day, new_chats: r.used.newChats })[w];
  gauge('wa_budget_used', 'Sends counted in each budget window (rolling minute and hour, local day, new chats today)', ['instance', 'window'], (set, rows) => {
    for (const r of rows) for (const w of windows) set({ instance: r.instanceId, window: w }, usedOf(r, w));
  });
  gauge('wa_budget_cap', 'Cap in force for each budget window (warm-up and health applied; 0 = none)', ['instance', 'window'], (set, rows) => {
    for (const r of rows) for (const w of windows) set({ instance: r.instanceId, window: w }, capOf(r, w));
  });
  gauge('wa_instance_health', 'Health score of the number, 0-100 (late rejections, missing receipts, timelocks, new-chat caps, reply rate)', ['instance'], (set, rows) => {
    for (const r of rows) set({ instance: r.instanceId }, r.health.score);
  });
  gauge('wa_instance_health_level', 'Health level: 0 ok, 1 slow (caps and pace scaled down), 2 paused (campaigns held)', ['instance'], (set, rows) => {
    for (const r of rows) set({ instance: r.instanceId }, LEVEL[r.health.level]);
  });
  gauge('wa_instance_warmup_day', 'Day of the warm-up of a young number (absent when the warm-up is over or off)', ['instance'], (set, rows) => {
    for (const r of rows) if (r.warmupDay !== null) set({ instance: r.instanceId }, r.warmupDay);
  });
  gauge('wa_suppressions', 'Contacts on the suppression list that applies to the instance', ['instance'], (set, rows) => {
    for (const r of rows) set({ instance: r.instanceId }, r.suppressions);
  });
  return [
    { name: 'Lowest health', value: async () => Math.min(100, ...(await read()).map((r) => r.health.score)) },
    { name: 'Slowed/paused', value: async () => (await read()).filter((r) => r.health.level !== 'ok').length },
  ];
}
