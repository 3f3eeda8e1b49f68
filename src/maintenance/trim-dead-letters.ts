import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

// Drops the oldest entries beyond the bound from the index and their bodies, atomically.
// KEYS: index zset, entries hash. ARGV: max.
const TRIM = `
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if excess <= 0 then return 0 end
local old = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
for i = 1, #old, 500 do
  redis.call('HDEL', KEYS[2], unpack(old, i, math.min(i + 499, #old)))
end
return excess`;

export interface TrimResult {
  /** oldest entries dropped to get back to the bound */
  trimmed: number;
  /** bodies whose index entry was gone (left by an interrupted write) */
  orphans: number;
  remaining: number;
}

/**
 * Keeps the webhook dead-letter set within DEAD_LETTER_MAX (the writer already bounds it on each
 * add; this catches a lowered bound) and removes bodies that have no index entry.
 */
export async function trimDeadLetters(redis: Redis, keys: RedisKeys, max: number): Promise<TrimResult> {
  const trimmed = Number(await redis.eval(TRIM, 2, keys.deadLetters, keys.deadLetterEvents, max));
  let orphans = 0;
  if ((await redis.hlen(keys.deadLetterEvents)) > (await redis.zcard(keys.deadLetters))) {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(keys.deadLetterEvents, cursor, 'COUNT', 500);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (!ids.length) continue;
      const scores = await Promise.all(ids.map((id) => redis.zscore(keys.deadLetters, id)));
      const gone = ids.filter((_, i) => scores[i] === null);
      if (gone.length) orphans += await redis.hdel(keys.deadLetterEvents, ...gone);
    } while (cursor !== '0');
  }
  return { trimmed, orphans, remaining: await redis.zcard(keys.deadLetters) };
}
