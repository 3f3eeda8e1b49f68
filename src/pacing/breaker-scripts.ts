/**
 * The circuit breaker's Lua scripts, one HASH per subject (an instance, an endpoint): failures,
 * openUntil, openedAt, and in probe mode probeUntil and reopens. Redis' own clock (TIME) so
 * every process agrees on "now".
 *
 * Two ways to leave an open circuit once the pause is over:
 * - half-open (probeMs = 0, the instances' breaker): the circuit closes with the count one below
 *   the threshold, so the next failure opens it again at once and a success resets it;
 * - probe (probeMs > 0, the endpoints' breaker): one caller at a time is let through for probeMs;
 *   everyone else keeps waiting; its success closes the circuit, its failure opens it again for a
 *   pause twice as long (up to maxPauseMs).
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: circuit  ARGV: threshold, probeMs  -> {waitMs (0 = go), failures, justClosed, isProbe} */
export const CHECK = `${NOW}
local threshold = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil')) or 0
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0
if openUntil > now then return {openUntil - now, failures, 0, 0} end
if openUntil == 0 then return {0, failures, 0, 0} end
if tonumber(ARGV[2]) == 0 then
  redis.call('HDEL', KEYS[1], 'openUntil', 'openedAt')
  redis.call('HSET', KEYS[1], 'failures', threshold - 1)
  return {0, threshold - 1, 1, 0}
end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil')) or 0
if probeUntil > now then return {probeUntil - now, failures, 0, 0} end
redis.call('HSET', KEYS[1], 'probeUntil', now + tonumber(ARGV[2]))
return {0, failures, 0, 1}`;

/**
 * KEYS: circuit  ARGV: threshold, pauseMs, ttlMs, probeMs, maxPauseMs
 * -> {openMs (0 = closed), failures, justClosed, justOpened, reopened}
 * A failure while the circuit is open is not counted (it says nothing new).
 */
export const FAIL = `${NOW}
local threshold = tonumber(ARGV[1])
local pauseMs = tonumber(ARGV[2])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil')) or 0
if openUntil > now then return {openUntil - now, tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0, 0, 0, 0} end
local closed = 0
if openUntil > 0 then
  if tonumber(ARGV[4]) > 0 then
    local reopens = redis.call('HINCRBY', KEYS[1], 'reopens', 1)
    local pause = math.min(pauseMs * math.pow(2, reopens), tonumber(ARGV[5]))
    redis.call('HSET', KEYS[1], 'openUntil', now + pause)
    redis.call('HDEL', KEYS[1], 'probeUntil')
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
    return {pause, tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0, 0, 0, 1}
  end
  redis.call('HDEL', KEYS[1], 'openUntil', 'openedAt')
  redis.call('HSET', KEYS[1], 'failures', threshold - 1)
  closed = 1
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
if failures >= threshold then
  redis.call('HSET', KEYS[1], 'openUntil', now + pauseMs, 'openedAt', now, 'reopens', 0)
  return {pauseMs, failures, closed, 1, 0}
end
return {0, failures, closed, 0, 0}`;

/**
 * KEYS: circuit  ARGV: probeMs -> justClosed. Resets the count; in probe mode a success (the probe's,
 * or a request that was in flight when the circuit opened) also closes an open circuit.
 */
export const SUCCEED = `
if tonumber(ARGV[1]) > 0 and redis.call('HEXISTS', KEYS[1], 'openUntil') == 1 then
  redis.call('HDEL', KEYS[1], 'openUntil', 'openedAt', 'probeUntil', 'reopens')
  redis.call('HSET', KEYS[1], 'failures', 0)
  return 1
end
redis.call('HSET', KEYS[1], 'failures', 0)
return 0`;
