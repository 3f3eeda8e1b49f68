/**
 * Warm-up of young numbers: WhatsApp watches new numbers (and numbers back from a long silence)
 * more closely, so their day cap starts low and grows by a factor each day of the number's age
 * until it reaches the configured day cap. Pure functions of the clock.
 *
 * Defaults (docs/api.md "Warm-up" has the sources): 20 on day 1, x1.5 a day (20, 30, 45, 68, 101,
 * 152, 228, 342, 513, 769, ...), as baileys-antiban's curve (src/warmup.ts: 20 on day 1, a factor of
 * 1.5 to 2.2) at its slow end, which is also what operator guides publish (about 50 a day on days 1-2,
 * about 500 a day by day 10); a number idle BUDGET_WARMUP_IDLE_DAYS starts again from day 1.
 */
export interface WarmupOptions {
  enabled: boolean;
  /** cap on day 1 */
  start: number;
  /** growth per day */
  factor: number;
  /** idle this long (ms) -> warm-up starts again; 0 = never */
  idleMs: number;
}

/** where the number's age was taken from */
export type WarmupSource = 'numberSince' | 'linked' | 'created' | 'idle_restart' | 'off';

export interface WarmupState {
  /** the warm-up cap is in force (lower than the day cap) */
  active: boolean;
  /** day of the number's age, 1 on its first day; null when unknown or off */
  day: number | null;
  /** today's warm-up cap; null when not active */
  cap: number | null;
  /** the age counts from here (ms) */
  since: number | null;
  source: WarmupSource;
  /** the first day whose warm-up cap reaches the day cap (the warm-up is over from then) */
  endsOnDay: number | null;
}

const DAY_MS = 86_400_000;
/** with no day cap and no hour cap the curve has no ceiling: the warm-up ends after this many days */
const MAX_WARMUP_DAYS = 30;

export function warmupCap(day: number, o: Pick<WarmupOptions, 'start' | 'factor'>): number {
  return Math.max(1, Math.round(o.start * o.factor ** Math.max(day - 1, 0)));
}

/** The first day whose cap reaches `ceiling`. */
export function warmupEndDay(ceiling: number, o: Pick<WarmupOptions, 'start' | 'factor'>): number {
  if (!Number.isFinite(ceiling)) return MAX_WARMUP_DAYS + 1;
  let day = 1;
  while (warmupCap(day, o) < ceiling && day <= MAX_WARMUP_DAYS) day++;
  return day;
}

/** The number's age: settings.numberSince, else when it was first linked, else when it was registered; an idle restart wins when later. */
export function warmupAge(input: { numberSince?: string; linkedAt?: number; createdAt?: number; restartAt?: number }): { since?: number; source: WarmupSource } {
  const given = input.numberSince ? Date.parse(input.numberSince) : NaN;
  const base: { since?: number; source: WarmupSource } = Number.isFinite(given)
    ? { since: given, source: 'numberSince' }
    : input.linkedAt
      ? { since: input.linkedAt, source: 'linked' }
      : input.createdAt
        ? { since: input.createdAt, source: 'created' }
        : { source: 'off' };
  if (input.restartAt && (base.since === undefined || input.restartAt > base.since)) return { since: input.restartAt, source: 'idle_restart' };
  return base;
}

/** Today's warm-up for a number of this age under a ceiling (the day cap; Infinity = none). */
export function warmupState(age: { since?: number; source: WarmupSource }, ceiling: number, o: WarmupOptions, now: number): WarmupState {
  if (!o.enabled || age.since === undefined) return { active: false, day: null, cap: null, since: null, source: 'off', endsOnDay: null };
  const day = Math.max(1, Math.floor((now - age.since) / DAY_MS) + 1);
  const endsOnDay = warmupEndDay(ceiling, o);
  const active = day < endsOnDay;
  return { active, day, cap: active ? warmupCap(day, o) : null, since: age.since, source: age.source, endsOnDay };
}
