import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { SendBudget } from './send-budget';
import type { BudgetCaps } from './defaults';
import { nextLocalMidnight } from './daily-cap';

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);
const left = (cap: number, used: number) => (cap > 0 ? Math.max(cap - used, 0) : null);

/**
 * GET /instance/:id/budget: everything the budget knows of one number, as it stands now: the caps
 * in force (configured, lowered by the warm-up, scaled by health) and what each window used, when
 * the next send may go, the hold a campaign would meet now, the warm-up, the new chats, the health
 * score and its inputs, and the suppression list's size.
 */
export async function budgetView(budget: SendBudget, redis: Redis, keys: RedisKeys, instanceId: string) {
  const now = budget.now();
  const [{ limits, health }, used, hold, suppressions, paceNext] = await Promise.all([
    budget.limits(instanceId, now),
    budget.windows.usage(instanceId, now),
    budget.check(instanceId, 'campaign', { now: new Date(now) }),
    budget.suppressions.count(instanceId),
    redis.hget(keys.pace(instanceId), 'next'),
  ]);
  const caps = limits.caps;
  const d = budget.defaults;
  return {
    instanceId,
    at: new Date(now).toISOString(),
    caps,
    configured: limits.configured,
    used: { minute: used.minute, hour: used.hour, day: used.day, newChats: used.newChats },
    remaining: { minute: left(caps.perMinute, used.minute), hour: left(caps.perHour, used.hour), day: left(caps.perDay, used.day), newChats: left(caps.newChatsPerDay, used.newChats) },
    nextFreeSlot: new Date(nextFree(caps, used, paceNext ? Number(paceNext) : 0, now)).toISOString(),
    hold: hold ? { rule: hold.hold, until: new Date(hold.until).toISOString() } : null,
    warmup: { ...limits.warmup, since: iso(limits.warmup.since), start: d.warmup.start, factor: d.warmup.factor, restartAfterIdleDays: d.warmup.idleMs / 86_400_000 },
    newChats: { used: used.newChats, cap: caps.newChatsPerDay },
    health: { ...health, slowed: limits.slowed, thresholds: { slowBelow: d.health.slowBelow, pauseBelow: d.health.pauseBelow, slowFactor: d.health.slowFactor } },
    suppressions: { count: suppressions, scope: budget.suppressions.scope },
    quietHours: d.quietHours ? `${d.quietHours.startHour}-${d.quietHours.endHour}` : null,
    pacing: limits.pacing,
    lastSendAt: iso(used.lastSendAt),
  };
}

export type BudgetViewJson = Awaited<ReturnType<typeof budgetView>>;

/** When the next send (of any kind) may go: the pacer's next slot and every full window's freeing time. */
function nextFree(caps: BudgetCaps, used: { minute: number; hour: number; day: number; oldestInMinute?: number; oldestInHour?: number }, paceNext: number, now: number): number {
  let t = Math.max(now, paceNext);
  // a full window frees when its oldest send leaves it (close enough: one place frees then)
  if (caps.perMinute > 0 && used.minute >= caps.perMinute && used.oldestInMinute) t = Math.max(t, used.oldestInMinute + 60_000);
  if (caps.perHour > 0 && used.hour >= caps.perHour && used.oldestInHour) t = Math.max(t, used.oldestInHour + 3_600_000);
  if (caps.perDay > 0 && used.day >= caps.perDay) t = Math.max(t, nextLocalMidnight(new Date(now)));
  return t;
}
