import type { SendBudget } from './send-budget';
import { budgetEtaMs } from './eta';

/**
 * A campaign's ETA under its number's budget (GET /broadcast-status, campaign events): the
 * limits in force now (warm-up, health), what today already used, the hold a campaign would meet
 * now, the gap (the campaign's rateLimitMs included) and, for a text without variables,
 * identical-content spreading.
 */
export async function campaignEtaMs(budget: SendBudget, instanceId: string, pending: number, opts: { rateLimitMs?: number; templated: boolean }): Promise<number> {
  const now = budget.now();
  const [{ limits }, usage, hold] = await Promise.all([budget.limits(instanceId, now), budget.windows.usage(instanceId, now), budget.check(instanceId, 'campaign', { now: new Date(now) })]);
  const d = budget.defaults;
  const gap = Math.max(limits.pacing.minGapMs, opts.rateLimitMs ?? 0) / (limits.slowed ? d.health.slowFactor : 1) + limits.pacing.jitterMs / 2;
  return budgetEtaMs({
    pending,
    caps: limits.caps,
    configuredPerDay: limits.configured.perDay,
    warmup: limits.warmup,
    warmupOptions: d.warmup,
    meanGapMs: gap,
    usedToday: usage.day,
    usedHour: usage.hour,
    hourStart: usage.oldestInHour,
    identical: !opts.templated,
    holdUntil: hold?.until,
    now,
  });
}
