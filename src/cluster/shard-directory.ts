import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

/** What a shard says about itself, refreshed every scan (GET /shards shows it). */
export interface ShardEntry {
  shardId: string;
  incarnation: string;
  host: string;
  pid: number;
  internalUrl: string;
  startedAt: number;
  /** sessions this shard runs (its leases): what placement balances */
  instances: number;
  connected: number;
  /** process load: RSS bytes and CPU share since the previous entry (0..1 of one core) */
  load: { rssBytes: number; cpu: number };
  /** handing its instances over (SIGTERM) or drained by an operator: placement skips it */
  leaving: boolean;
  lease: { held: number; lost: number; renewFailures: number; lastRenewAgoMs?: number };
  /** the writer's clock (for display; liveness is the key's TTL, never compared across hosts) */
  seenAt: number;
}

export interface ShardView extends ShardEntry {
  /** its entry is fresh (it refreshed it within SHARD_SCAN_MS x 5) */
  live: boolean;
  /** an operator drained it (POST /shards/:id/drain) */
  draining: boolean;
}

/** entries of shards silent for longer than this are dropped from GET /shards */
const FORGET_AFTER_MS = 24 * 3600_000;

/**
 * The shard directory in Redis: each shard's entry is a key with a short TTL (it disappears when
 * the shard stops refreshing it, so liveness needs no clock comparison between hosts), a SET of
 * every shard id seen, and the last entry of each for display. Drained shards are a SET an operator
 * writes from any shard.
 */
export class ShardDirectory {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly liveMs: number) {}

  async publish(entry: ShardEntry): Promise<void> {
    const json = JSON.stringify(entry);
    await this.redis
      .multi()
      .set(this.keys.shard(entry.shardId), json, 'PX', this.liveMs)
      .sadd(this.keys.shards, entry.shardId)
      .hset(this.keys.shardsSeen, entry.shardId, json)
      .exec();
  }

  /** removes this shard's live entry (it left after handing its instances over) */
  async withdraw(shardId: string): Promise<void> {
    await this.redis.del(this.keys.shard(shardId));
  }

  /** every shard seen: live ones from their entries, gone ones from their last entry */
  async list(now = Date.now()): Promise<ShardView[]> {
    const [ids, draining] = await Promise.all([this.redis.smembers(this.keys.shards), this.redis.smembers(this.keys.shardsDraining)]);
    if (!ids.length) return [];
    const drained = new Set(draining);
    const [live, seen] = await Promise.all([this.redis.mget(...ids.map((id) => this.keys.shard(id))), this.redis.hmget(this.keys.shardsSeen, ...ids)]);
    const out: ShardView[] = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const entry = parse(live[i]) ?? parse(seen[i]);
      if (!entry) return;
      const isLive = live[i] !== null;
      if (!isLive && now - entry.seenAt > FORGET_AFTER_MS) stale.push(id);
      else out.push({ ...entry, live: isLive, draining: drained.has(id) });
    });
    if (stale.length) await this.redis.multi().srem(this.keys.shards, ...stale).hdel(this.keys.shardsSeen, ...stale).exec();
    return out.sort((a, b) => a.shardId.localeCompare(b.shardId));
  }

  /** live shards that take instances: not leaving, not drained */
  async placeable(): Promise<ShardView[]> {
    return (await this.list()).filter((s) => s.live && !s.leaving && !s.draining);
  }

  async setDraining(shardId: string, draining: boolean): Promise<void> {
    if (draining) await this.redis.sadd(this.keys.shardsDraining, shardId);
    else await this.redis.srem(this.keys.shardsDraining, shardId);
  }

  async isDraining(shardId: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.shardsDraining, shardId)) === 1;
  }
}

function parse(raw: string | null | undefined): ShardEntry | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as ShardEntry;
  } catch {
    return undefined;
  }
}
