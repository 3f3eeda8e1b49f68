import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import type { ShardHost } from './host-port';
import type { PeerClient } from './peer-client';
import { handoffTargets } from './placement';
import type { ShardSettings } from './settings';
import type { ShardDirectory, ShardView } from './shard-directory';

export interface HandoffDeps {
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  settings: ShardSettings;
  directory: ShardDirectory;
  host: ShardHost;
  peers: PeerClient;
}

/** the path a target shard adopts handed-over instances at (internal room) */
export const ADOPT_PATH = '/internal/shard/adopt';

/**
 * Handing instances to other shards on purpose: all of them at shutdown (SIGTERM), a batch per scan
 * for a drained shard, one for POST /instance/:id/move. Each instance first gets a placement hint
 * (its target, for a few scans), then its session ends here (credentials flushed, lease released
 * as handed over), then the target is told to adopt it at once instead of at its next scan.
 */
export class Handoff {
  private readonly hintTtlMs: number;

  constructor(private readonly d: HandoffDeps) {
    this.hintTtlMs = Math.max(10_000, 10 * d.settings.scanMs);
  }

  /** targets for these instances among the other shards that take instances, hints written */
  async plan(ids: string[], shards?: ShardView[]): Promise<{ targets: Map<string, string>; shards: ShardView[] }> {
    const live = shards ?? (await this.d.directory.placeable());
    const targets = handoffTargets(ids, live, this.d.settings.shardId);
    if (targets.size) {
      const multi = this.d.redis.multi();
      for (const [id, shard] of targets) multi.set(this.d.keys.placement(id), shard, 'PX', this.hintTtlMs);
      await multi.exec();
    }
    return { targets, shards: live };
  }

  /** asks each target to adopt its instances now (best effort: its next scan finds them anyway) */
  async notify(targets: Map<string, string>, shards: ShardView[]): Promise<void> {
    const byShard = new Map<string, string[]>();
    for (const [id, shard] of targets) byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    await Promise.all(
      [...byShard].map(async ([shardId, instanceIds]) => {
        const url = shards.find((s) => s.shardId === shardId)?.internalUrl;
        if (!url) return;
        await this.d.peers.postJson(url, ADOPT_PATH, { instanceIds, from: this.d.settings.shardId }, 2000).catch((err: Error) =>
          this.d.logger.warn('handoff notice failed; the target finds the instances at its next scan', { shardId, error: err.message }),
        );
      }),
    );
  }

  /** hands these sessions over: hint, end here, release, tell the targets */
  async handOver(ids: string[], shards?: ShardView[]): Promise<Map<string, string>> {
    const { targets, shards: live } = await this.plan(ids, shards);
    await Promise.allSettled(ids.map((id) => this.d.host.handOff(id)));
    await this.notify(targets, live);
    return targets;
  }

  /** one batch of a drained shard's sessions (the placer calls it every scan while drained) */
  async drainBatch(shards: ShardView[], batch: number): Promise<void> {
    const others = shards.filter((s) => s.shardId !== this.d.settings.shardId);
    const ids = this.d.host.sessionIds().slice(0, batch);
    if (!ids.length) return;
    if (!others.length) {
      this.d.logger.warn('drained shard has no other shard to hand its instances to; keeping them', { instances: this.d.host.sessionIds().length });
      return;
    }
    const targets = await this.handOver(ids, shards);
    this.d.logger.info('drain: instances handed over', { count: targets.size, remaining: this.d.host.sessionIds().length });
  }

  /** moves one instance this shard runs to `target` (a live shard that takes instances) */
  async move(instanceId: string, target: string, shards: ShardView[]): Promise<void> {
    await this.d.redis.set(this.d.keys.placement(instanceId), target, 'PX', this.hintTtlMs);
    await this.d.host.handOff(instanceId);
    await this.notify(new Map([[instanceId, target]]), shards);
  }
}
