import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

export interface ExpireOptions {
  /** message statuses, send records and finished campaigns are kept this long (ms) */
  retentionMs: number;
  /** idempotency keys (ms) */
  idempotencyMs: number;
  now?: number;
}

export interface ExpireResult {
  scanned: number;
  /** keys past their retention, deleted now */
  deleted: number;
  /** keys that had no TTL (or a longer one) and got the right one */
  ttlSet: number;
}

const DAY_MS = 86_400_000;
const FINISHED = new Set(['completed', 'cancelled', 'failed']);
const STAMPS = ['queuedAt', 'sendingAt', 'sentAt', 'deliveredAt', 'readAt', 'playedAt', 'failedAt'];

type Action = { kind: 'delete' } | { kind: 'expire'; ms: number } | undefined;

/**
 * The writers give every message status, send record and finished campaign a TTL; this pass
 * verifies it. It walks our own keys (never Bull's, never auth state or the registry) and only
 * acts on keys with no TTL, or a message status whose TTL exceeds the retention (a lowered
 * MESSAGE_RETENTION_DAYS): such a key gets the TTL its data calls for, or is deleted when its data
 * is already older than the retention. Campaigns still running, scheduled or paused are left alone.
 */
export async function expireData(redis: Redis, keys: RedisKeys, opts: ExpireOptions): Promise<ExpireResult> {
  const now = opts.now ?? Date.now();
  const result: ExpireResult = { scanned: 0, deleted: 0, ttlSet: 0 };
  const campaigns = new Set<string>();
  const apply = async (key: string, action: Action) => {
    if (!action) return;
    if (action.kind === 'delete' || action.ms <= 0) result.deleted += await redis.del(key);
    else if ((await redis.pexpire(key, Math.round(action.ms))) === 1) result.ttlSet++;
  };
  const base = `${keys.prefix}:`;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
    cursor = next;
    result.scanned += batch.length;
    if (!batch.length) continue;
    const ttls = await Promise.all(batch.map((k) => redis.pttl(k)));
    for (let i = 0; i < batch.length; i++) {
      const name = batch[i].slice(base.length);
      // a campaign's keys are judged together, once the scan is over (SCAN order is arbitrary)
      if (name.startsWith('camp:')) {
        if (ttls[i] === -1) campaigns.add(name.slice(5).split(':')[0]);
        continue;
      }
      await apply(batch[i], await decide(redis, keys, name, ttls[i], opts, now));
    }
  } while (cursor !== '0');
  for (const id of campaigns) {
    const action = await decideCampaign(redis, keys, id, opts, now);
    for (const key of campaignKeys(keys, id)) if ((await redis.pttl(key)) === -1) await apply(key, action);
  }
  return result;
}

/** Every key of a campaign but its run lock (which has its own TTL); see CampaignStore.campaignKeys. */
function campaignKeys(keys: RedisKeys, id: string): string[] {
  const k = keys;
  return [k.campaign, k.campaignRecipients, k.campaignState, k.campaignFailed, k.campaignCounters, k.campaignVars, k.campaignDelivered, k.campaignRead, k.campaignRecent].map((f) => f(id));
}

async function decide(redis: Redis, keys: RedisKeys, name: string, ttl: number, opts: ExpireOptions, now: number): Promise<Action> {
  const colon = name.indexOf(':');
  const kind = colon < 0 ? name : name.slice(0, colon);
  if (kind === 'msg') {
    if (ttl !== -1 && ttl <= opts.retentionMs) return undefined;
    const stamps = await redis.hmget(keys.prefix + ':' + name, ...STAMPS);
    const last = Math.max(0, ...stamps.map((s) => (s ? Date.parse(s) || 0 : 0)));
    // no stamp at all: unknown age, keep it one full retention from now
    return { kind: 'expire', ms: last ? Math.min(last + opts.retentionMs - now, opts.retentionMs) : opts.retentionMs };
  }
  if (ttl !== -1) return undefined;
  switch (kind) {
    case 'sent':
    case 'wamsg':
    case 'campmsg':
      return { kind: 'expire', ms: opts.retentionMs };
    case 'idem':
      return { kind: 'expire', ms: opts.idempotencyMs };
    case 'daily':
      return { kind: 'expire', ms: 2 * DAY_MS };
    default:
      return undefined;
  }
}

async function decideCampaign(redis: Redis, keys: RedisKeys, id: string, opts: ExpireOptions, now: number): Promise<Action> {
  const [status, finishedAt, createdAt] = await redis.hmget(keys.campaign(id), 'status', 'finishedAt', 'createdAt');
  if (!status) return { kind: 'expire', ms: opts.retentionMs }; // parts whose campaign is gone
  if (FINISHED.has(status)) {
    const end = Number(finishedAt) || Number(createdAt) || 0;
    return { kind: 'expire', ms: end ? Math.min(end + opts.retentionMs - now, opts.retentionMs) : opts.retentionMs };
  }
  // a campaign stuck in 'creating' (its request died half way) for over a day never runs
  if (status === 'creating' && Number(createdAt) && now - Number(createdAt) > DAY_MS) return { kind: 'expire', ms: opts.retentionMs };
  return undefined;
}
