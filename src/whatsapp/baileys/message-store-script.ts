/**
 * The message store's write, in one Lua call so the index and the messages never disagree:
 * store the message, index it by time, drop what is older than the window, then drop the oldest
 * beyond the per-instance bound; both keys expire a window after the last write (an idle instance
 * leaves nothing behind).
 *
 * KEYS: index (ZSET id -> stored at ms), messages (HASH id -> JSON)
 * ARGV: id, json, now (ms), window (ms), max  ->  entries kept
 */
export const REMEMBER_SCRIPT = `
local index, messages = KEYS[1], KEYS[2]
local id, json, now, window, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('HSET', messages, id, json)
redis.call('ZADD', index, now, id)
local function drop(ids)
  -- in slices: unpack of thousands of ids (a lowered bound) would overflow Lua's stack
  for s = 1, #ids, 1000 do redis.call('HDEL', messages, unpack(ids, s, math.min(s + 999, #ids))) end
end
local expired = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. (now - window))
if #expired > 0 then
  drop(expired)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. (now - window))
end
local n = redis.call('ZCARD', index)
if n > max then
  drop(redis.call('ZRANGE', index, 0, n - max - 1))
  redis.call('ZREMRANGEBYRANK', index, 0, n - max - 1)
  n = max
end
redis.call('PEXPIRE', index, window)
redis.call('PEXPIRE', messages, window)
return n`;
