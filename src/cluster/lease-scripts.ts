/**
 * Lua of the shard leases. A lease is a HASH (keys.lease) with shard, inc (the holding process:
 * a restarted shard is a new incarnation and must wait for its old leases to expire like anyone
 * else, since nothing proves the old process is gone), epoch and url, living SHARD_LEASE_TTL_MS;
 * the epoch comes from a counter that only grows (keys.leaseEpoch, the write fence). keys.leases is
 * a ZSET of every instance that should run somewhere, scored by its lease deadline: a score in the
 * past means nobody holds it since then (expired, or handed over), which is what shards scan for.
 * Every time is Redis' own (TIME), so hosts with skewed clocks agree.
 */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: lease, epoch counter, leases ZSET   ARGV: shard, inc, ttl ms, url, instanceId
 * {1, epoch} claimed (free, expired, or already this process'); {0, shard, pttl} held by another.
 */
export const CLAIM = `
local inc = redis.call('HGET', KEYS[1], 'inc')
if inc and inc ~= ARGV[2] then
  return {0, redis.call('HGET', KEYS[1], 'shard') or '', redis.call('PTTL', KEYS[1])}
end
${NOW}
local epoch = redis.call('INCR', KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'shard', ARGV[1], 'inc', ARGV[2], 'epoch', epoch, 'url', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[5])
return {1, epoch}`;

/**
 * Renews many leases of one process in one call.
 * KEYS: leases ZSET, then per lease: lease, epoch counter   ARGV: shard, inc, ttl ms, url, epochs..., ids...
 * Per lease: 1 renewed; 2 it had expired but nobody claimed it since (the counter is still ours), so
 * it is ours again; 0 lost (another claim happened: stop using it).
 */
export const RENEW_MANY = `
local n = (#KEYS - 1) / 2
${NOW}
local deadline = now + tonumber(ARGV[3])
local out = {}
for i = 1, n do
  local lease, counter, epoch, id = KEYS[2 * i], KEYS[2 * i + 1], ARGV[4 + i], ARGV[4 + n + i]
  local held = redis.call('HGET', lease, 'inc')
  if held == ARGV[2] and redis.call('HGET', lease, 'epoch') == epoch then
    redis.call('PEXPIRE', lease, ARGV[3])
    redis.call('ZADD', KEYS[1], deadline, id)
    out[i] = 1
  elseif not held and redis.call('GET', counter) == epoch then
    redis.call('HSET', lease, 'shard', ARGV[1], 'inc', ARGV[2], 'epoch', epoch, 'url', ARGV[4])
    redis.call('PEXPIRE', lease, ARGV[3])
    redis.call('ZADD', KEYS[1], deadline, id)
    out[i] = 2
  else
    out[i] = 0
  end
end
return out`;

/**
 * KEYS: lease, epoch counter, leases ZSET   ARGV: inc, epoch, instanceId, 'handoff' | 'forget'
 * Lets go only of our own lease (or of our expired one nobody claimed since). handoff: the instance
 * should run elsewhere (free since now: the next scan places it); forget: it should run nowhere.
 */
export const RELEASE = `
local held = redis.call('HGET', KEYS[1], 'inc')
local mine = (held == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2]) or (not held and redis.call('GET', KEYS[2]) == ARGV[2])
if not mine then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[4] == 'forget' then
  redis.call('ZREM', KEYS[3], ARGV[3])
else
  ${NOW}
  redis.call('ZADD', KEYS[3], now, ARGV[3])
end
return 1`;

/** KEYS: lease, leases ZSET   ARGV: instanceId   ->  1 removed from the ZSET (nobody holds it), 0 held */
export const FORGET_IF_FREE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/** KEYS: leases ZSET   ARGV: limit   ->  {now, id, score, id, score...}: instances nobody holds */
export const ORPHANS = `
${NOW}
local out = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
table.insert(out, 1, tostring(now))
return out`;

/** KEYS: leases ZSET   ARGV: ids...   ->  seeds instances nobody placed yet (free since now) */
export const SEED = `
${NOW}
local added = 0
for i = 1, #ARGV do added = added + redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i]) end
return added`;
