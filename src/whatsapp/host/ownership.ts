/**
 * Ownership as a port: who may hold an instance's WhatsApp socket. Two sockets on the same
 * credentials kick each other off (440) and corrupt the shared Signal state, so a session claims
 * the instance before it builds a socket and releases it when the socket is gone. Today's
 * implementation is in-process (local-ownership.ts); a cluster one (leases in Redis, a shard
 * directory) implements the same port, so the session code does not change with it.
 * This file must not import Baileys: the port is shared by every driver and the router.
 *
 * Two uses: the Baileys connection claims the in-process one per socket (one socket per instance in
 * this process); a sharded server's session manager claims the cluster one (src/cluster/, leases in
 * Redis) per session, for as long as the instance lives on this shard, reconnects included.
 */
import type { WriteFence } from './fence';

/** What a claim calls to make the current holder let go (end its socket) before it is taken over. */
export interface LeaseHolder {
  end(): Promise<void>;
}

/** One claim of one instance. A lease that was taken over is stale: renew false, release a no-op. */
export interface Lease {
  /** the fencing epoch: grows with every claim of the instance, so a stale holder is recognisable */
  readonly epoch: number;
  /** true while this lease is still the instance's current one */
  renew(): Promise<boolean>;
  /**
   * lets go of the instance, only if this lease is still the current one. handoff (cluster): the
   * instance should go on running on another shard; without it, it should run nowhere (deleted,
   * logged out) until someone starts it again.
   */
  release(handoff?: boolean): Promise<void>;
  /** present when the epoch is the instance's fencing counter in Redis (cluster): writes check it */
  readonly fence?: WriteFence;
}

export interface InstanceOwner {
  shardId: string;
  /** where the owner's internal API answers (sends are routed there) */
  internalUrl: string;
}

export interface InstanceOwnership {
  /**
   * Takes the instance for holder. A different holder still holding it is ended first (in-process);
   * a cluster implementation may instead answer AppError('conflict', …, { retryAfterMs }).
   */
  claim(instanceId: string, holder: LeaseHolder): Promise<Lease>;
  /** who holds the instance now, undefined when nobody does */
  owner(instanceId: string): Promise<InstanceOwner | undefined>;
}
