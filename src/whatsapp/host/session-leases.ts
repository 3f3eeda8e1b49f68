import type { Logger } from '../../shared/logger';
import type { WriteFence } from './fence';
import type { InstanceOwnership, Lease } from './ownership';

/** The cluster ownership as the session manager uses it (src/cluster/redis-ownership.ts). */
export interface ShardOwnership extends InstanceOwnership {
  /** removes an instance nobody holds from the placed set (it should run nowhere) */
  forgetIfFree(instanceId: string): Promise<boolean>;
}

/**
 * The session manager's leases on a sharded server: one per instance that has a session here,
 * taken before the session is built (its epoch fences the session's auth writes and the ledger)
 * and given back when the session ends: handed over (shutdown, move, drain: another shard takes
 * it) or forgotten (delete, logout: it runs nowhere). Without an ownership (one server, the
 * default) every method does nothing, so the manager behaves as it did before shards.
 */
export class SessionLeases {
  private readonly leases = new Map<string, Lease>();
  /** sessions ended for a handover or a lost lease: their closing status is not this shard's to report */
  private readonly hushed = new WeakSet<object>();

  constructor(private readonly ownership: ShardOwnership | undefined, private readonly logger: Logger) {}

  get enabled(): boolean {
    return this.ownership !== undefined;
  }

  /**
   * Claims the instance for a session about to start here; onLost runs when the lease is lost
   * (another shard claimed it, or it could not be renewed in time). AppError not_owner when another
   * shard holds it. Returns the fence epoch (undefined without ownership).
   */
  async take(instanceId: string, onLost: () => void): Promise<number | undefined> {
    if (!this.ownership) return undefined;
    const lease = await this.ownership.claim(instanceId, {
      end: async () => {
        if (this.leases.get(instanceId) !== lease) return;
        this.leases.delete(instanceId);
        onLost();
      },
    });
    this.leases.set(instanceId, lease);
    return lease.fence?.epoch;
  }

  /** Gives the instance back once its session ended: handoff (run elsewhere) or not (run nowhere). */
  async give(instanceId: string, handoff: boolean): Promise<void> {
    if (!this.ownership) return;
    const lease = this.leases.get(instanceId);
    this.leases.delete(instanceId);
    try {
      if (lease) await lease.release(handoff);
      else if (!handoff) await this.ownership.forgetIfFree(instanceId);
    } catch (err) {
      this.logger.warn('lease release failed', { instanceId, error: (err as Error).message });
    }
  }

  /** the fence of this shard's lease of the instance (the send ledger checks it), if it holds one */
  fence(instanceId: string): WriteFence | undefined {
    return this.leases.get(instanceId)?.fence;
  }

  holds(instanceId: string): boolean {
    return this.leases.has(instanceId);
  }

  ids(): string[] {
    return [...this.leases.keys()];
  }

  hush(session: object): void {
    this.hushed.add(session);
  }

  isHushed(session: object | undefined): boolean {
    return session !== undefined && this.hushed.has(session);
  }
}
