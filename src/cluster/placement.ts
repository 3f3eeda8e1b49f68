/**
 * Placement, as pure functions: every shard runs the same computation on the same directory
 * snapshot, so they agree on who takes which free instance without talking to each other; the
 * atomic claim settles the rare disagreement (a snapshot a scan older), and an instance left
 * unclaimed for a while is open to any shard (placer.ts).
 */
export interface ShardLoad {
  shardId: string;
  /** instances it runs now */
  instances: number;
}

/** The least-loaded shard (ties: the smaller id), optionally not one of `exclude`. */
export function leastLoaded(shards: readonly ShardLoad[], exclude: readonly string[] = []): string | undefined {
  let best: ShardLoad | undefined;
  for (const s of shards) {
    if (exclude.includes(s.shardId)) continue;
    if (!best || s.instances < best.instances || (s.instances === best.instances && s.shardId < best.shardId)) best = s;
  }
  return best?.shardId;
}

/**
 * Gives each free instance (in id order) to the least-loaded shard, counting each as it goes, so a
 * batch spreads evenly; a hint (a move's or a handoff's target) wins when that shard takes instances.
 */
export function assignFree(instanceIds: readonly string[], shards: readonly ShardLoad[], hints: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const loads = shards.map((s) => ({ ...s }));
  const byId = new Map(loads.map((s) => [s.shardId, s]));
  const out = new Map<string, string>();
  for (const id of [...instanceIds].sort()) {
    const hinted = hints.get(id);
    const target = hinted && byId.has(hinted) ? hinted : leastLoaded(loads);
    if (!target) break;
    out.set(id, target);
    byId.get(target)!.instances++;
  }
  return out;
}

/**
 * Targets for the instances a leaving shard hands over: spread over the other shards by load.
 * Empty when no other shard takes instances (they stay free for whoever comes).
 */
export function handoffTargets(instanceIds: readonly string[], shards: readonly ShardLoad[], leaving: string): Map<string, string> {
  return assignFree(instanceIds, shards.filter((s) => s.shardId !== leaving));
}
