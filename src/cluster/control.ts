import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { InstanceOwner } from '../whatsapp/host/ownership';
import type { Handoff } from './handoff';
import { leastLoaded } from './placement';
import { leaseOwners } from './owner-lookup';
import type { ShardDirectory, ShardEntry, ShardView } from './shard-directory';

/** What the HTTP layer asks about shards (GET /shards, moves, drains, where a request goes). */
export interface ShardControl {
  readonly enabled: boolean;
  readonly shardId: string;
  list(): Promise<ShardView[]>;
  ownerOf(instanceId: string): Promise<InstanceOwner | undefined>;
  /** the shard of each instance (undefined: nobody holds it) */
  ownersOf(instanceIds: string[]): Promise<Array<string | undefined>>;
  /** where a new instance goes: the least-loaded live shard that takes instances */
  placeNew(): Promise<InstanceOwner | undefined>;
  /** on the owner (or on any shard when nobody holds it): hands the instance to target (default: the least-loaded other shard) */
  move(instanceId: string, target?: string): Promise<{ from?: string; to: string }>;
  setDraining(shardId: string, draining: boolean): Promise<void>;
}

export interface ClusterControlDeps {
  redis: Redis;
  keys: RedisKeys;
  shardId: string;
  directory: ShardDirectory;
  handoff: Handoff;
  /** does this shard run a session for the instance now */
  runsHere: (instanceId: string) => boolean;
}

/** creates placed here count against their shard until its directory entry shows them */
const RECENT_MS = 3000;

export class ClusterControl implements ShardControl {
  readonly enabled = true;
  readonly shardId: string;
  private recent: Array<{ shardId: string; at: number }> = [];

  constructor(private readonly d: ClusterControlDeps) {
    this.shardId = d.shardId;
  }

  list(): Promise<ShardView[]> {
    return this.d.directory.list();
  }

  async ownerOf(instanceId: string): Promise<InstanceOwner | undefined> {
    const [shardId, internalUrl] = await this.d.redis.hmget(this.d.keys.lease(instanceId), 'shard', 'url');
    return shardId && internalUrl ? { shardId, internalUrl } : undefined;
  }

  ownersOf(instanceIds: string[]): Promise<Array<string | undefined>> {
    return leaseOwners(this.d.redis, this.d.keys, instanceIds);
  }

  async placeNew(): Promise<InstanceOwner | undefined> {
    const shards = await this.d.directory.placeable();
    // entries are up to a scan old: a burst of creates would all land on the same shard without this
    const now = Date.now();
    this.recent = this.recent.filter((r) => now - r.at < RECENT_MS);
    // (only those placed after the shard wrote its entry: the entry already counts the older ones)
    const loads = shards.map((s) => ({ shardId: s.shardId, instances: s.instances + this.recent.filter((r) => r.shardId === s.shardId && r.at > s.seenAt).length }));
    const id = leastLoaded(loads);
    if (id) this.recent.push({ shardId: id, at: now });
    const s = shards.find((x) => x.shardId === id);
    return s ? { shardId: s.shardId, internalUrl: s.internalUrl } : undefined;
  }

  async move(instanceId: string, target?: string): Promise<{ from?: string; to: string }> {
    const shards = await this.d.directory.placeable();
    const owner = await this.ownerOf(instanceId);
    const from = owner?.shardId;
    const to = target ?? leastLoaded(shards, from ? [from] : []);
    if (!to) throw new AppError('conflict', 'no other live shard takes instances now', { shards: shards.map((s) => s.shardId) });
    if (!shards.some((s) => s.shardId === to)) throw new AppError('bad_request', `shard ${to} is not live or does not take instances (draining, leaving)`, { shardId: to });
    if (to === from) return { from, to };
    if (from && from !== this.shardId) throw new AppError('not_owner', `instance ${instanceId} is held by shard ${from}`, { shardId: from });
    if (from && this.d.runsHere(instanceId)) {
      await this.d.handoff.move(instanceId, to, shards);
      return { from, to };
    }
    // nobody runs it: it moves only if it should run somewhere (a free instance in the placed set)
    if ((await this.d.redis.zscore(this.d.keys.leases, instanceId)) === null) {
      throw new AppError('conflict', `instance ${instanceId} is not running on any shard (restart it to start it)`, { instanceId });
    }
    await this.d.redis.set(this.d.keys.placement(instanceId), to, 'PX', 30_000);
    await this.d.handoff.notify(new Map([[instanceId, to]]), shards);
    return { from, to };
  }

  async setDraining(shardId: string, draining: boolean): Promise<void> {
    const known = (await this.d.directory.list()).some((s) => s.shardId === shardId);
    if (!known) throw new AppError('not_found', `no shard ${shardId}`);
    await this.d.directory.setDraining(shardId, draining);
  }
}

/** One server (sharding off): GET /shards shows it; moving and draining need a second shard. */
export function localControl(shardId: string, entry: () => ShardEntry): ShardControl {
  const single = () => new AppError('conflict', 'sharding is off (SERVER_SHARDS=1): there is no other shard to move to or drain into');
  return {
    enabled: false,
    shardId,
    list: async () => [{ ...entry(), live: true, draining: false }],
    ownerOf: async () => undefined,
    ownersOf: async (ids) => ids.map(() => undefined),
    placeNew: async () => undefined,
    move: async () => {
      throw single();
    },
    setDraining: async () => {
      throw single();
    },
  };
}
