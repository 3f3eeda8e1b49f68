import { AppError } from '../shared/errors';
import { ScriptRunner } from '../shared/script-runner';
import type { InstanceOwner, InstanceOwnership, Lease, LeaseHolder } from '../whatsapp/host/ownership';
import { CLAIM, FORGET_IF_FREE, RELEASE } from './lease-scripts';
import { LeaseKeeper, HeldLease, LeaseSettings } from './lease-keeper';

export interface RedisOwnershipOptions extends LeaseSettings {
  /** tests: local monotonic-enough clock */
  clock?: () => number;
}

export interface OwnershipStats {
  held: number;
  claims: number;
  conflicts: number;
  /** leases this shard lost (taken after expiry, or past their deadline while Redis was away) */
  lost: number;
  renewFailures: number;
  /** local time of the last renewal round that reached Redis */
  lastRenewAt?: number;
}

/**
 * The cluster InstanceOwnership: one Redis lease per instance (lease-scripts.ts), renewed by the
 * keeper; a lease it cannot renew in time ends its holder at once (the session closes its socket),
 * so two shards never hold one number's socket, even when this one is cut off from Redis.
 * In this process, as the local ownership does, a claim by a different holder ends the current
 * one first; across processes a held lease answers AppError('not_owner') with the holder's shard.
 */
export class RedisOwnership implements InstanceOwnership {
  private readonly held = new Map<string, HeldLease>();
  private readonly scripts: ScriptRunner;
  private readonly keeper: LeaseKeeper;
  private readonly counts = { claims: 0, conflicts: 0 };
  /**
   * runs (awaited) after each claim and release: the shard republishes its directory entry, so a
   * create placed on it is counted before its answer goes back (placement reads those counts)
   */
  onChange?: () => Promise<void>;

  constructor(private readonly o: RedisOwnershipOptions) {
    this.scripts = new ScriptRunner(o.redis);
    this.keeper = new LeaseKeeper({ ...o, held: this.held, scripts: this.scripts, clock: o.clock ?? Date.now });
  }

  get shardId(): string {
    return this.o.shardId;
  }

  get incarnation(): string {
    return this.o.incarnation;
  }

  /** starts renewing (and watching the deadlines of) every lease this process holds */
  start(): void {
    this.keeper.start();
  }

  /** stops renewing; leases are released by their holders (sessions ending) or expire */
  stop(): void {
    this.keeper.stop();
  }

  async claim(instanceId: string, holder: LeaseHolder): Promise<Lease> {
    const other = this.held.get(instanceId);
    if (other && other.holder !== holder) {
      this.held.delete(instanceId);
      await other.holder.end().catch(() => undefined);
    }
    const { keys, shardId, incarnation, ttlMs, internalUrl } = this.o;
    const sentAt = (this.o.clock ?? Date.now)();
    const reply = (await this.scripts.run(CLAIM, [keys.lease(instanceId), keys.leaseEpoch(instanceId), keys.leases], [shardId, incarnation, ttlMs, internalUrl, instanceId])) as [number, number | string, number?];
    if (reply[0] !== 1) {
      this.counts.conflicts++;
      const holderShard = String(reply[1]);
      throw new AppError('not_owner', `instance ${instanceId} is held by shard ${holderShard}`, { instanceId, shardId: holderShard }, { retryAfterMs: Math.max(100, Number(reply[2] ?? 1000)) });
    }
    this.counts.claims++;
    const epoch = Number(reply[1]);
    const entry: HeldLease = { holder, epoch, confirmedAt: sentAt };
    this.held.set(instanceId, entry);
    await this.changed();
    return {
      epoch,
      fence: { epochKey: keys.leaseEpoch(instanceId), epoch },
      renew: () => this.keeper.renewOne(instanceId, entry),
      release: (handoff) => this.release(instanceId, entry, handoff === true),
    };
  }

  async owner(instanceId: string): Promise<InstanceOwner | undefined> {
    const [shardId, internalUrl] = await this.o.redis.hmget(this.o.keys.lease(instanceId), 'shard', 'url');
    return shardId && internalUrl ? { shardId, internalUrl } : undefined;
  }

  /** the epoch this process holds the instance under (the ledger's fence), if it does */
  epochOf(instanceId: string): number | undefined {
    return this.held.get(instanceId)?.epoch;
  }

  heldIds(): string[] {
    return [...this.held.keys()];
  }

  /** removes an instance nobody holds from the placed set (it should not run: deleted, unlinked) */
  async forgetIfFree(instanceId: string): Promise<boolean> {
    return (await this.scripts.run(FORGET_IF_FREE, [this.o.keys.lease(instanceId), this.o.keys.leases], [instanceId])) === 1;
  }

  stats(): OwnershipStats {
    return { held: this.held.size, ...this.counts, ...this.keeper.stats() };
  }

  private async changed(): Promise<void> {
    await this.onChange?.().catch(() => undefined);
  }

  private async release(instanceId: string, entry: HeldLease, handoff: boolean): Promise<void> {
    if (this.held.get(instanceId) === entry) this.held.delete(instanceId);
    const { keys, incarnation } = this.o;
    try {
      await this.scripts.run(RELEASE, [keys.lease(instanceId), keys.leaseEpoch(instanceId), keys.leases], [incarnation, entry.epoch, instanceId, handoff ? 'handoff' : 'forget']);
    } catch (err) {
      // Redis away: the lease expires by itself; nothing here holds the socket any more
      this.o.logger.warn('lease release failed; it will expire', { instanceId, error: (err as Error).message });
    }
    await this.changed();
  }
}
