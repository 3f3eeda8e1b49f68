import type { Redis } from 'ioredis';

/**
 * The campaign state changes that must be atomic, as Lua scripts (EVALSHA through ioredis'
 * defineCommand). Each one is safe to run twice: a replay after a crash, or a second runner,
 * never counts a recipient twice.
 */

/** Creates the campaign hash unless it exists; returns the existing [status, instanceId, createdAt] or nil. */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'status', 'instanceId', 'createdAt')
end
redis.call('HSET', KEYS[1], 'campaignId', ARGV[1], 'instanceId', ARGV[2], 'status', 'creating', 'createdAt', ARGV[3])
return false`;

/**
 * Final state of one recipient. KEYS: state, counters, campaign, recent, failed list, daily count.
 * ARGV: recipient, 'sent'|'failed'|'suppressed', next cursor, now ms, failure JSON, daily TTL s
 * ('0': the send budget counted it already, when its reservation was taken).
 * Returns 1 when this call made the transition, 0 when the recipient was already final.
 */
const FINALIZE = `
local function advance()
  local c = tonumber(redis.call('HGET', KEYS[3], 'cursor') or '0') or 0
  if tonumber(ARGV[3]) > c then redis.call('HSET', KEYS[3], 'cursor', ARGV[3]) end
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == 'sent' or cur == 'failed' or cur == 'suppressed' then advance() return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
advance()
if ARGV[2] == 'sent' then
  redis.call('LPUSH', KEYS[4], ARGV[4])
  redis.call('LTRIM', KEYS[4], 0, 99)
  if ARGV[6] ~= '0' then
    redis.call('INCR', KEYS[6])
    redis.call('EXPIRE', KEYS[6], ARGV[6])
  end
elseif ARGV[2] == 'failed' then
  redis.call('RPUSH', KEYS[5], ARGV[5])
end
return 1`;

/**
 * Status change guarded by the statuses it may come from. KEYS: campaign. ARGV: comma list of
 * allowed current statuses, target status ('resume' = running when it had started, else scheduled),
 * now ms, 'finish' to stamp finishedAt, optional error text. Returns {1|0, status before}.
 */
const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {0, ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == cur then allowed = true end end
if not allowed then return {0, cur} end
local target = ARGV[2]
if target == 'resume' then
  if redis.call('HEXISTS', KEYS[1], 'startedAt') == 1 then target = 'running' else target = 'scheduled' end
end
redis.call('HSET', KEYS[1], 'status', target, 'updatedAt', ARGV[3])
if target == 'running' and redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then redis.call('HSET', KEYS[1], 'startedAt', ARGV[3]) end
if ARGV[4] == 'finish' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3]) end
if ARGV[4] == 'reopen' then redis.call('HDEL', KEYS[1], 'finishedAt', 'error', 'errorCode') end
if ARGV[5] and ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[5], 'errorCode', ARGV[6]) end
return {1, cur}`;

/**
 * A receipt of a campaign message. KEYS: delivered set, read set, counters, campaign.
 * ARGV: recipient, 'delivered'|'read'. Read implies delivered (a read receipt can arrive alone).
 * Sets created after the campaign finished get the campaign's remaining TTL.
 */
const RECEIPT = `
local function mark(set, field)
  if redis.call('SADD', set, ARGV[1]) == 1 then
    redis.call('HINCRBY', KEYS[3], field, 1)
    local ttl = redis.call('PTTL', KEYS[4])
    if ttl > 0 and redis.call('PTTL', set) < 0 then redis.call('PEXPIRE', set, ttl) end
    return 1
  end
  return 0
end
local n = mark(KEYS[1], 'delivered')
if ARGV[2] == 'read' then n = n + mark(KEYS[2], 'read') end
return n`;

/**
 * A late rejection of a campaign message (WhatsApp's error ack after the send). KEYS: state,
 * counters, failed list, delivered set, campaign. ARGV: recipient, failure JSON. A recipient that
 * is `sent` and has no delivery receipt moves to `failed` (sent - 1, failed + 1, listed); a
 * delivered one stays sent (its phone got it). Returns 1 when this call moved it.
 */
const REJECT = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'sent' then return 0 end
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'failed')
redis.call('HINCRBY', KEYS[2], 'sent', -1)
redis.call('HINCRBY', KEYS[2], 'failed', 1)
redis.call('RPUSH', KEYS[3], ARGV[2])
local ttl = redis.call('PTTL', KEYS[5])
if ttl > 0 and redis.call('PTTL', KEYS[3]) < 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
return 1`;

/** Run lock: KEYS lock; ARGV token, ttl ms, mode ('acquire'|'renew'|'release'). */
const LOCK = `
local cur = redis.call('GET', KEYS[1])
if ARGV[3] == 'acquire' then
  if cur and cur ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur ~= ARGV[1] then return 0 end
if ARGV[3] == 'renew' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('DEL', KEYS[1]) end
return 1`;

export interface CampaignScripts {
  campaignClaim(key: string, campaignId: string, instanceId: string, now: number): Promise<[string | null, string | null, string | null] | null>;
  campaignFinalize(...args: Array<string | number>): Promise<number>;
  campaignTransition(key: string, from: string, to: string, now: number, mode: string, error: string, errorCode: string): Promise<[number, string]>;
  campaignReceipt(delivered: string, read: string, counters: string, campaign: string, to: string, state: string): Promise<number>;
  campaignLock(key: string, token: string, ttlMs: number, mode: string): Promise<number>;
  campaignReject(state: string, counters: string, failed: string, delivered: string, campaign: string, to: string, failure: string): Promise<number>;
}

/** The client with the scripts defined (idempotent per client). */
export function withScripts(redis: Redis): Redis & CampaignScripts {
  const r = redis as Redis & Partial<CampaignScripts>;
  if (!r.campaignClaim) {
    redis.defineCommand('campaignClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('campaignFinalize', { numberOfKeys: 6, lua: FINALIZE });
    redis.defineCommand('campaignTransition', { numberOfKeys: 1, lua: TRANSITION });
    redis.defineCommand('campaignReceipt', { numberOfKeys: 4, lua: RECEIPT });
    redis.defineCommand('campaignLock', { numberOfKeys: 1, lua: LOCK });
    redis.defineCommand('campaignReject', { numberOfKeys: 5, lua: REJECT });
  }
  return redis as Redis & CampaignScripts;
}
