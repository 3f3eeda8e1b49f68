/**
 * The retry schedule of webhook deliveries: the first attempt at once, retry n after schedule[n-1]
 * (WEBHOOK_RETRY_SCHEDULE; by default the Standard Webhooks example: 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h, 24 h, about 3 days in all). Each wait gets up to 10 % more at random, never
 * less, so events that failed together do not all come back in the same second.
 */
export const SCHEDULE_JITTER = 0.1;

/** Attempts in all: the immediate one plus one per scheduled retry. */
export function scheduleAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/**
 * The wait before the next attempt after `attemptsMade` attempts (1 = the first failed), or
 * undefined when the schedule is used up.
 */
export function scheduledDelay(schedule: readonly number[], attemptsMade: number, random = Math.random()): number | undefined {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 + SCHEDULE_JITTER * random));
}
