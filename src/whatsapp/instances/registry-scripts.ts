/**
 * Lua of the instance registry. Several processes (server shards, workers) write the same HASH, so
 * a patch cannot be read-merge-write in the caller: it is a compare-and-set. The caller merges in
 * JavaScript (so JSON stays JavaScript's: numbers, empty arrays, key order; Redis' cjson would
 * change them) and the script writes only when the stored value is still the one it merged into.
 *
 * KEYS: instances (HASH)  ARGV: instanceId, the JSON read, the merged JSON
 * Returns {0} when the entry is gone (never recreated: a patch racing a remove loses),
 * {1} when written, {2, current} when another writer got there first (merge into current, retry).
 */
export const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return {0} end
if current ~= ARGV[2] then return {2, current} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {1}`;

export const CAS_GONE = 0;
export const CAS_WRITTEN = 1;
export const CAS_CONFLICT = 2;
