/**
 * The send ledger's fenced claim of a message id (sharded servers).
 * KEYS: send record, the instance's epoch counter   ARGV: pending marker JSON, its TTL (ms), our epoch
 * Returns {1} taken; {0, current} the id has an entry (sent, or pending under our own epoch: wait for
 * it); {2, current?} this shard's epoch is not the instance's (not the owner); {3, old} taken over: the
 * entry was a pending marker of an earlier epoch, whose shard can no longer finish it.
 */
export const CLAIM_FENCED = `
local cur = redis.call('GET', KEYS[1])
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  if cur then return {2, cur} end
  return {2}
end
if cur then
  local ok, entry = pcall(cjson.decode, cur)
  if ok and type(entry) == 'table' and entry.state == 'pending' and entry.epoch ~= nil and tostring(entry.epoch) ~= ARGV[3] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {3, cur}
  end
  return {0, cur}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1}`;

export type ClaimReply = [0 | 1 | 2 | 3, string?];
