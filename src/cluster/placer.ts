import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import { isAppError } from '../shared/errors';
import { ScriptRunner } from '../shared/script-runner';
import type { ShardHost } from './host-port';
import { ORPHANS, SEED } from './lease-scripts';
import { assignFree } from './placement';
import type { ShardSettings } from './settings';
import type { ShardDirectory, ShardEntry, ShardView } from './shard-directory';

export interface PlacerDeps {
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  settings: ShardSettings;
  directory: ShardDirectory;
  host: ShardHost;
  /** this shard's directory entry as of now (counts, load, lease health) */
  entry: (extra: { inFlight: number; leaving: boolean }) => ShardEntry;
  /** the ids of every WhatsApp instance in the registry (seeded at start) */
  instanceIds: () => Promise<string[]>;
  /** hands some of this shard's instances over (a drained shard, one batch per scan) */
  drain: (shards: ShardView[]) => Promise<void>;
  restore: { concurrency: number; jitterMs: number };
}

/** free instances read per scan */
const SCAN_LIMIT = 1000;
const SLOT_TIMEOUT_MS = 20_000;

/**
 * This shard's placement loop, every SHARD_SCAN_MS: refresh its directory entry, then take the free
 * instances placement gives it (placement.ts: least-loaded live shard, a move's hint first), or any
 * free instance nobody took for fallbackMs. Adoption is staggered as restore is (at most
 * RESTORE_CONCURRENCY at once, each after up to RESTORE_JITTER_MS), so a failover or a cold start
 * never opens hundreds of sockets in one second. At start it seeds the placed set with every
 * registered instance, so the restore of a sharded server is this same loop.
 */
export class Placer {
  private readonly scripts: ScriptRunner;
  private timer?: NodeJS.Timeout;
  private running = false;
  private leaving = false;
  private ticking?: Promise<void>;
  private readonly inFlight = new Set<string>();
  private readonly queue: Array<{ id: string; now: boolean }> = [];
  private active = 0;
  private idle?: () => void;
  /** resolves at stop(): a slot waiting for its session to settle lets go at once */
  private stopped!: Promise<void>;
  private stopNow!: () => void;

  constructor(private readonly d: PlacerDeps) {
    this.scripts = new ScriptRunner(d.redis);
  }

  async start(): Promise<void> {
    this.running = true;
    this.stopped = new Promise((resolve) => (this.stopNow = resolve));
    await this.publish().catch((err: Error) => this.d.logger.warn('shard directory entry failed', { error: err.message }));
    const ids = await this.d.instanceIds();
    for (let i = 0; i < ids.length; i += 1000) await this.scripts.run(SEED, [this.d.keys.leases], ids.slice(i, i + 1000));
    this.loop();
  }

  /** no more adoption (shutdown): waits for adoptions under way */
  async stop(): Promise<void> {
    this.running = false;
    this.leaving = true;
    this.stopNow?.();
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    await this.ticking?.catch(() => undefined);
    if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  /** another shard handed these over to this one: take them now (no jitter) */
  adoptNow(ids: string[]): void {
    for (const id of ids) this.enqueue(id, true);
  }

  /** the directory entry this shard publishes (leaving: handing over, placement skips it) */
  async publish(): Promise<void> {
    await this.d.directory.publish(this.d.entry({ inFlight: this.inFlight.size, leaving: this.leaving }));
  }

  private loop(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err: Error) => void this.d.logger.warn('shard placement scan failed', { error: err.message }))
        .finally(() => this.loop());
    }, this.d.settings.scanMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    await this.publish();
    const shards = await this.d.directory.placeable();
    const me = this.d.settings.shardId;
    if (await this.d.directory.isDraining(me)) return this.d.drain(shards);
    const flat = (await this.scripts.run(ORPHANS, [this.d.keys.leases], [SCAN_LIMIT])) as string[];
    const now = Number(flat[0]);
    const free: Array<{ id: string; since: number }> = [];
    for (let i = 1; i < flat.length; i += 2) if (!this.inFlight.has(flat[i])) free.push({ id: flat[i], since: Number(flat[i + 1]) });
    if (!free.length || !shards.some((s) => s.shardId === me)) return;
    const hinted = await this.d.redis.mget(...free.map((f) => this.d.keys.placement(f.id)));
    const hints = new Map<string, string>();
    free.forEach((f, i) => hinted[i] && hints.set(f.id, hinted[i]!));
    const loads = shards.map((s) => ({ shardId: s.shardId, instances: s.shardId === me ? this.d.host.sessionIds().length + this.inFlight.size : s.instances }));
    const assigned = assignFree(free.map((f) => f.id), loads, hints);
    for (const f of free) {
      const target = assigned.get(f.id);
      // placement disagreed (a snapshot a scan older) or its shard is gone: anyone may take it now
      if (target === me || now - f.since > this.d.settings.fallbackMs) this.enqueue(f.id, false);
    }
  }

  private enqueue(id: string, now: boolean): void {
    if (!this.running || this.inFlight.has(id)) return;
    this.inFlight.add(id);
    this.queue.push({ id, now });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.d.restore.concurrency && this.queue.length) {
      const next = this.queue.shift()!;
      this.active++;
      void this.adopt(next.id, next.now).finally(() => {
        this.active--;
        this.inFlight.delete(next.id);
        if (this.active === 0 && this.idle) this.idle();
        this.pump();
      });
    }
  }

  private async adopt(id: string, now: boolean): Promise<void> {
    const jitter = now ? 0 : Math.random() * this.d.restore.jitterMs;
    if (jitter > 0) await new Promise((r) => setTimeout(r, jitter));
    if (!this.running) return;
    try {
      const settled = this.d.host.settled(id, SLOT_TIMEOUT_MS);
      const outcome = await this.d.host.adopt(id);
      if (outcome === 'started') {
        this.d.logger.info('instance adopted', { instanceId: id, shardId: this.d.settings.shardId });
        // the slot is held until the session settles, so RESTORE_CONCURRENCY bounds real handshakes
        await Promise.race([settled, this.stopped]);
      }
    } catch (err) {
      const quiet = isAppError(err) && err.code === 'not_owner';
      this.d.logger.log(quiet ? 'debug' : 'warn', 'instance adoption failed', { instanceId: id, error: (err as Error).message });
    }
  }
}
