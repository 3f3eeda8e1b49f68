import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

/**
 * The per-instance day counter behind the daily cap. The day is the server's local day, and the
 * key is `keys.dailyCount(instanceId, day)`: the same key campaigns have always incremented, so
 * counts written before this module existed keep their meaning.
 */

/** A counter outlives its day by one more, so a send just before midnight is still readable. */
export const DAILY_TTL_SECONDS = 2 * 86400;

/** YYYY-MM-DD of the server's local day. */
export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Start of the next local day (when a used-up daily cap frees again). */
export function nextLocalMidnight(now: Date): number {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

export class DailyCounter {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  /** The key of an instance's counter for the day of `now` (campaigns' finalize script increments it). */
  key(instanceId: string, now = new Date()): string {
    return this.keys.dailyCount(instanceId, localDay(now));
  }

  /** Adds n sends to the day's counter and returns the total. */
  async add(instanceId: string, n = 1, now = new Date()): Promise<number> {
    const key = this.key(instanceId, now);
    const [[, total]] = (await this.redis.multi().incrby(key, n).expire(key, DAILY_TTL_SECONDS).exec()) as [[unknown, number]];
    return Number(total);
  }

  /** Sends counted so far on the day of `now`. */
  async get(instanceId: string, now = new Date()): Promise<number> {
    return Number((await this.redis.get(this.key(instanceId, now))) ?? 0);
  }
}
