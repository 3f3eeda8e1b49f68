import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { InstanceOwner } from '../whatsapp/host/ownership';

/**
 * Which shard holds an instance, read from its lease and trusted for a moment: a worker sends many
 * messages per instance, and an owner changes only on failover, handoff or a move, each of which
 * answers the next request with not_owner or a refused connection (then the caller asks again).
 */
export class OwnerLookup {
  private readonly cache = new Map<string, { owner: InstanceOwner; until: number }>();

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly ttlMs = 2000) {}

  async get(instanceId: string, fresh = false): Promise<InstanceOwner | undefined> {
    const hit = this.cache.get(instanceId);
    if (!fresh && hit && hit.until > Date.now()) return hit.owner;
    const [shardId, internalUrl] = await this.redis.hmget(this.keys.lease(instanceId), 'shard', 'url');
    if (!shardId || !internalUrl) {
      this.cache.delete(instanceId);
      return undefined;
    }
    const owner = { shardId, internalUrl };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(instanceId, { owner, until: Date.now() + this.ttlMs });
    return owner;
  }

  invalidate(instanceId: string): void {
    this.cache.delete(instanceId);
  }
}

/** The shard holding each instance (undefined: nobody), in one pipeline. */
export async function leaseOwners(redis: Redis, keys: RedisKeys, instanceIds: string[]): Promise<Array<string | undefined>> {
  if (!instanceIds.length) return [];
  const pipe = redis.pipeline();
  for (const id of instanceIds) pipe.hget(keys.lease(id), 'shard');
  const replies = (await pipe.exec()) ?? [];
  return replies.map(([err, v]) => (err || !v ? undefined : String(v)));
}
