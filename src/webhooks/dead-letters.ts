import type { Redis } from 'ioredis';
import type { AnyEvent } from '../events/envelope';
import { redisKeys } from '../shared/keys';

/** One event that could not be delivered, kept for inspection and replay. */
export interface DeadLetter {
  id: string;
  event: AnyEvent;
  url?: string;
  /** HTTP status of the last answer, absent for network errors and timeouts */
  lastStatus?: number;
  lastError: string;
  attempts: number;
  /** ISO time it was dead-lettered */
  deadAt: string;
}

// Add (or replace) an entry and drop the oldest beyond the bound, atomically.
// KEYS: index zset, entries hash. ARGV: id, score, json, max.
const ADD = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if excess > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
  for _, old_id in ipairs(old) do redis.call('HDEL', KEYS[2], old_id) end
end
return excess`;

// Remove an entry only if it is still the one the caller read (a replayed event that fails
// again is dead-lettered anew and must not be removed by the replay that re-queued it).
// KEYS: index zset, entries hash. ARGV: id, expected json ('' = remove whatever is there).
const REMOVE_IF = `
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return 0 end
if ARGV[2] ~= '' and cur ~= ARGV[2] then return -1 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`;

/**
 * The dead-letter set: a sorted set of event ids by time (keys.deadLetters) and a hash of the
 * entries (keys.deadLetterEvents), bounded to `max` entries (oldest dropped first).
 */
export class DeadLetterStore {
  private readonly index: string;
  private readonly entries: string;

  constructor(private readonly redis: Redis, prefix: string, private readonly max: number) {
    const keys = redisKeys(prefix);
    this.index = keys.deadLetters;
    this.entries = keys.deadLetterEvents;
  }

  async add(entry: DeadLetter): Promise<void> {
    await this.redis.eval(ADD, 2, this.index, this.entries, entry.id, Date.parse(entry.deadAt) || Date.now(), JSON.stringify(entry), this.max);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.index);
  }

  /** Newest first. */
  async list(offset: number, limit: number): Promise<DeadLetter[]> {
    if (limit <= 0) return [];
    const ids = await this.redis.zrevrange(this.index, offset, offset + limit - 1);
    return this.getMany(ids);
  }

  async getMany(ids: string[]): Promise<DeadLetter[]> {
    const raw = await this.getRaw(ids);
    return raw.filter((r): r is [string, string] => r[1] !== null).map(([, json]) => JSON.parse(json) as DeadLetter);
  }

  /** [id, stored JSON or null] per id, in order. */
  async getRaw(ids: string[]): Promise<Array<[string, string | null]>> {
    if (!ids.length) return [];
    const values = await this.redis.hmget(this.entries, ...ids);
    return ids.map((id, i) => [id, values[i]]);
  }

  /** Every id, oldest first (replay of everything; the set is bounded by DEAD_LETTER_MAX). */
  async allIds(): Promise<string[]> {
    return this.redis.zrange(this.index, 0, -1);
  }

  /** Removes the entry if it still holds `expectedJson` (or unconditionally with ''). */
  async removeIf(id: string, expectedJson = ''): Promise<boolean> {
    return (await this.redis.eval(REMOVE_IF, 2, this.index, this.entries, id, expectedJson)) === 1;
  }
}
