import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

/** Most campaigns the index keeps (the oldest drop out; their data expires with its retention anyway). */
const MAX_INDEXED = 10_000;

/**
 * The campaigns of a deployment, newest first (keys.campaigns: a sorted set of campaign id by
 * creation time), so GET /broadcasts and the dashboard can list them without scanning Redis.
 * An id whose campaign data expired is dropped when a listing finds it gone.
 */
export class CampaignIndex {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async add(campaignId: string, at = Date.now()): Promise<void> {
    await this.redis.multi().zadd(this.keys.campaigns, at, campaignId).zremrangebyrank(this.keys.campaigns, 0, -MAX_INDEXED - 1).exec();
  }

  /** Ids newest first, each still present in Redis; gone ones are removed from the index. */
  async list(offset: number, limit: number): Promise<string[]> {
    const ids = await this.redis.zrevrange(this.keys.campaigns, offset, offset + limit - 1);
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(this.keys.campaign(id));
    const exists = ((await pipeline.exec()) ?? []).map(([, n]) => n === 1);
    const gone = ids.filter((_, i) => !exists[i]);
    if (gone.length) await this.redis.zrem(this.keys.campaigns, ...gone);
    return ids.filter((_, i) => exists[i]);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.keys.campaigns);
  }
}
