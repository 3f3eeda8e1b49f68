import { nextLocalMidnight } from './daily-cap';
import type { BudgetCaps } from './defaults';
import { warmupCap, WarmupOptions, WarmupState } from './warmup';

export interface EtaInput {
  pending: number;
  /** caps in force now (warm-up and health applied) and the configured day cap (the warm-up's ceiling) */
  caps: BudgetCaps;
  configuredPerDay: number;
  warmup: WarmupState;
  warmupOptions: Pick<WarmupOptions, 'start' | 'factor'>;
  /** the mean gap between sends (gap + half the jitter, the caller's minimum included) */
  meanGapMs: number;
  /** sends already counted today, in the rolling hour, and when the oldest of those entered it */
  usedToday: number;
  usedHour?: number;
  hourStart?: number;
  /** every recipient gets the same text (no template variables): identical-content spreading applies */
  identical: boolean;
  /** a hold in force now frees at this time */
  holdUntil?: number;
  now: number;
}

const HOUR_MS = 3_600_000;
const MAX_DAYS = 400;

/**
 * How long the pending sends take under the budget: the fastest rhythm the gap and the minute cap
 * allow, in bursts of at most the hour cap (or, for a text without variables, the identical-content
 * allowance) per hour, cut into local days by the day cap, which grows day by day while the warm-up
 * runs. A lower bound: single messages and other campaigns on the number share the same budget.
 */
export function budgetEtaMs(i: EtaInput): number {
  if (i.pending <= 0) return 0;
  const fast = Math.min(i.meanGapMs > 0 ? HOUR_MS / i.meanGapMs : Infinity, i.caps.perMinute > 0 ? i.caps.perMinute * 60 : Infinity);
  const perHour = Math.min(i.caps.perHour > 0 ? i.caps.perHour : Infinity, i.identical && i.caps.identicalPerHour > 0 ? i.caps.identicalPerHour : Infinity);
  const start = Math.max(i.holdUntil ?? i.now, i.now);
  if (!Number.isFinite(fast) && !Number.isFinite(perHour)) return start - i.now;
  const stretch = (n: number) => stretchMs(n, fast, perHour);
  let t = start;
  let left = i.pending;
  let used = i.usedToday;
  let dayCap = i.caps.perDay;
  for (let d = 0; d < MAX_DAYS; d++) {
    const midnight = nextLocalMidnight(new Date(t));
    const room = Math.min(dayCap > 0 ? Math.max(dayCap - used, 0) : Infinity, fits(midnight - t, stretch));
    if (left <= room) return Math.max(t + stretch(left), d === 0 ? withinHour(i, left, stretch) : 0) - i.now;
    left -= room;
    t = midnight;
    used = 0;
    dayCap = nextDayCap(i, d + 1);
  }
  return t - i.now;
}

/** Today's first stretch shares the rolling hour with the sends already in it: they started its first hour. */
function withinHour(i: EtaInput, n: number, stretch: (n: number) => number): number {
  const used = i.usedHour ?? 0;
  if (!used || !(i.caps.perHour > 0)) return 0;
  return (i.hourStart ?? i.now) + stretch(used + n);
}

/** n sends at `fast` an hour, at most `perHour` in any hour: full hours of bursts, then the rest. */
function stretchMs(n: number, fast: number, perHour: number): number {
  if (n <= 0) return 0;
  const burst = (k: number) => (Number.isFinite(fast) ? (k / fast) * HOUR_MS : 0);
  if (!Number.isFinite(perHour) || n <= perHour) return burst(n);
  return Math.floor((n - 1) / perHour) * HOUR_MS + burst(((n - 1) % perHour) + 1);
}

/** The most sends that fit in `ms` (binary search over stretchMs). */
function fits(ms: number, stretch: (n: number) => number): number {
  let lo = 0;
  let hi = 1;
  while (stretch(hi) <= ms && hi < 1e9) hi *= 2;
  if (hi >= 1e9) return Infinity;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (stretch(mid) <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The day cap `ahead` days from today: the warm-up's curve until it reaches the configured cap. */
function nextDayCap(i: EtaInput, ahead: number): number {
  if (!i.warmup.active || i.warmup.day === null) return i.caps.perDay;
  const w = warmupCap(i.warmup.day + ahead, i.warmupOptions);
  return i.configuredPerDay > 0 ? Math.min(w, i.configuredPerDay) : w;
}
