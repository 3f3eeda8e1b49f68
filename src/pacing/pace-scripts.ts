/**
 * Lua scripts of the pacer. They read the clock from Redis (TIME), so every process that sends for
 * an instance (message-worker, broadcast-worker, on any host) measures gaps on the same clock.
 *
 * State per instance, HASH keys.pace(id):
 *   next        earliest time the next slot may be reserved at (reservation order = send order)
 *   doneAt      when the last send finished; the next one may start only minGap after it
 *   lease       token of the send in flight (one send per number at a time), leaseUntil its expiry
 * ZSET keys.pacePriority(id): single messages waiting for a slot (score = expiry), which campaign
 * traffic yields to. Entries expire by score, so a crashed process cannot block campaigns.
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: pace, priority  ARGV: gapMs, jitterMs, 's'|'c', token, maxWaitMs, waitTtlMs
 * Returns {code, ms}: code 0 = slot reserved, ms = wait until it; 1 = campaign must yield to waiting
 * single messages; 2 = the slot is further away than maxWaitMs (nothing reserved), ms = that distance.
 */
export const RESERVE = `${NOW}
local gap = tonumber(ARGV[1]) local jitter = tonumber(ARGV[2]) local maxWait = tonumber(ARGV[5])
if ARGV[3] == 'c' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) > 0 then return {1, 0} end
end
local slot = math.max(now, tonumber(redis.call('HGET', KEYS[1], 'next')) or 0)
if maxWait >= 0 and slot - now > maxWait then return {2, slot - now} end
redis.call('HSET', KEYS[1], 'next', slot + gap + jitter)
redis.call('PEXPIRE', KEYS[1], slot - now + gap + jitter + 86400000)
if ARGV[3] == 's' then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[4])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6]))
end
return {0, slot - now}`;

/**
 * At the reserved slot. KEYS: pace, priority  ARGV: token, minGapMs, leaseMs
 * Returns 0 when the lease is taken (go), else ms to wait before asking again: another send is in
 * flight, or the previous send finished less than minGap ago.
 */
export const BEGIN = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'lease', 'leaseUntil', 'doneAt')
local leaseUntil = tonumber(h[2]) or 0
if h[1] and h[1] ~= ARGV[1] and leaseUntil > now then return math.min(leaseUntil - now, 20) end
local ready = (tonumber(h[3]) or 0) + tonumber(ARGV[2])
if ready > now then return ready - now end
redis.call('HSET', KEYS[1], 'lease', ARGV[1], 'leaseUntil', now + tonumber(ARGV[3]))
redis.call('ZREM', KEYS[2], ARGV[1])
return 0`;

/** After the send (whatever its outcome). KEYS: pace  ARGV: token */
export const RELEASE = `${NOW}
if redis.call('HGET', KEYS[1], 'lease') == ARGV[1] then redis.call('HDEL', KEYS[1], 'lease', 'leaseUntil') end
redis.call('HSET', KEYS[1], 'doneAt', now)
return 0`;

/** A waiter that gives up (deferred, error) leaves the priority set. KEYS: priority  ARGV: token */
export const ABANDON = `redis.call('ZREM', KEYS[1], ARGV[1]) return 0`;
