/**
 * Lua scripts of the budget's windows. One script checks every cap of a send and, in `reserve`
 * mode, records the send in the same step, so two processes sending for one number (message-worker
 * and broadcast-worker, on any host) can never both take the last place under a cap.
 *
 * The clock is the caller's (SendBudget's `now` source, injectable in tests), passed as ARGV[1].
 * A reservation is scored with its reservation time and re-scored with the time the send finished
 * (COMMIT), so a window counts every send WhatsApp saw in it, even one that took long to go out.
 */

/**
 * KEYS: sends ZSET, day counter, new-chat day counter, same-text ZSET, same-text spread marker, state HASH
 * ARGV: now, token, 'check'|'reserve', perMinute, perHour, perDay, newChatsPerDay, identicalPerHour
 *       (each 0 = no hold by that rule), day TTL s, idle ms, '1' = the send opens a new chat, '1' = it has a text key
 * Returns a flat list of holds {rule, until ms (0 = the end of the local day)}; empty = may go
 * (and, in reserve mode, recorded).
 */
export const CHECK_OR_RESERVE = `
local now = tonumber(ARGV[1])
local HOUR = 3600000
local MINUTE = 60000
local out = {}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - HOUR)
local function window(cap, span, rule)
  if cap <= 0 then return end
  local c = redis.call('ZCOUNT', KEYS[1], '(' .. (now - span), '+inf')
  if c >= cap then
    local e = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - span), '+inf', 'WITHSCORES', 'LIMIT', c - cap, 1)
    table.insert(out, rule)
    table.insert(out, tonumber(e[2]) + span)
  end
end
window(tonumber(ARGV[4]), MINUTE, 'minute_cap')
window(tonumber(ARGV[5]), HOUR, 'hour_cap')
local perDay = tonumber(ARGV[6])
if perDay > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= perDay then
  table.insert(out, 'daily_cap') table.insert(out, 0)
end
local newChats = tonumber(ARGV[7])
if ARGV[11] == '1' and newChats > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= newChats then
  table.insert(out, 'new_chat_daily_cap') table.insert(out, 0)
end
local same = tonumber(ARGV[8])
if ARGV[12] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - HOUR)
  if same > 0 then
    local c = redis.call('ZCARD', KEYS[4])
    local free = 0
    if c >= same then free = tonumber(redis.call('ZRANGE', KEYS[4], c - same, c - same, 'WITHSCORES')[2]) + HOUR end
    -- past N in the hour the text is spread: one send every hour/N after the previous one
    if redis.call('EXISTS', KEYS[5]) == 1 then
      local last = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')
      if last[2] then
        local nextAt = tonumber(last[2]) + math.floor(HOUR / same)
        if nextAt > free then free = nextAt end
      end
    end
    if free > now then table.insert(out, 'identical_content') table.insert(out, free) end
  end
end
if #out > 0 or ARGV[3] ~= 'reserve' then return out end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], HOUR + MINUTE)
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[9])
if ARGV[11] == '1' then
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[9])
end
if ARGV[12] == '1' then
  redis.call('ZADD', KEYS[4], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[4], HOUR + MINUTE)
  if same > 0 and (redis.call('EXISTS', KEYS[5]) == 1 or redis.call('ZCARD', KEYS[4]) >= same) then
    redis.call('SET', KEYS[5], '1', 'PX', HOUR)
  end
end
local idle = tonumber(ARGV[10])
local last = tonumber(redis.call('HGET', KEYS[6], 'lastSendAt') or '0')
if idle > 0 and last > 0 and now - last > idle then redis.call('HSET', KEYS[6], 'restartAt', now) end
redis.call('HSET', KEYS[6], 'lastSendAt', now)
return out`;

/**
 * The send is over and reached WhatsApp: its window entries take the time it finished, and it
 * becomes a health input (sent; a campaign recipient also for the reply rate).
 * KEYS: sends ZSET, same-text ZSET, health sent ZSET, health campaign ZSET
 * ARGV: done ms, token, message id, campaign recipient ('' = single), health window ms, '1' = has a text key
 */
export const COMMIT = `
local now = tonumber(ARGV[1])
local w = tonumber(ARGV[5])
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
if ARGV[6] == '1' then redis.call('ZADD', KEYS[2], 'XX', now, ARGV[2]) end
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - w)
redis.call('PEXPIRE', KEYS[3], w)
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[4], now, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - w)
  redis.call('PEXPIRE', KEYS[4], w)
end
return 1`;

/**
 * The send never reached WhatsApp (or was a duplicate the send ledger answered): give its places
 * back. Idempotent: only a reservation still in the sends ZSET is refunded.
 * KEYS: sends ZSET, day counter, new-chat day counter, same-text ZSET  ARGV: token, '1' = counted as a new chat, '1' = has a text key
 */
export const REFUND = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
if ARGV[2] == '1' and tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
if ARGV[3] == '1' then redis.call('ZREM', KEYS[4], ARGV[1]) end
return 1`;
