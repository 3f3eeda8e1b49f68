import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import type { ScriptRunner } from '../shared/script-runner';
import type { LeaseHolder } from '../whatsapp/host/ownership';
import { RENEW_MANY } from './lease-scripts';

export interface HeldLease {
  holder: LeaseHolder;
  epoch: number;
  /** local time just before the last claim or renewal Redis confirmed: the lease lives at least ttl from it */
  confirmedAt: number;
}

/** What every lease of a shard shares: where it lives, who holds it, how long and how often. */
export interface LeaseSettings {
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  shardId: string;
  /** this process (a restarted shard is another incarnation) */
  incarnation: string;
  internalUrl: string;
  ttlMs: number;
  renewMs: number;
}

export interface LeaseKeeperOptions extends LeaseSettings {
  held: Map<string, HeldLease>;
  scripts: ScriptRunner;
  clock: () => number;
}

/** leases per renewal call (one EVALSHA each) */
const BATCH = 200;
/** how often the deadlines are looked at, and the renewal retried after a failure */
const WATCH_MS = 500;
const RETRY_MS = 1000;

/**
 * Renews every lease of the process every renewMs, in batches, and watches their deadlines.
 * The deadline of a lease is confirmedAt + ttl - margin: confirmedAt is taken before the command
 * left, so Redis' own expiry can only be later. A lease past its deadline (Redis unreachable for
 * about a TTL) or refused by Redis (someone claimed it after it expired) ends its holder at once.
 */
export class LeaseKeeper {
  private renewTimer?: NodeJS.Timeout;
  private watchTimer?: NodeJS.Timeout;
  private running = false;
  private failures = 0;
  private lost = 0;
  private lastRenewAt?: number;
  private readonly marginMs: number;

  constructor(private readonly o: LeaseKeeperOptions) {
    // a tenth of the TTL, at least 1 s, at most 5 s, and never more than a quarter of a short TTL
    this.marginMs = Math.round(Math.min(Math.max(1000, o.ttlMs / 10), 5000, o.ttlMs / 4));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.o.renewMs);
    this.watchTimer = setInterval(() => this.watch(), WATCH_MS);
    this.watchTimer.unref();
  }

  stop(): void {
    this.running = false;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
  }

  stats(): { lost: number; renewFailures: number; lastRenewAt?: number } {
    return { lost: this.lost, renewFailures: this.failures, lastRenewAt: this.lastRenewAt };
  }

  /** one lease now (Lease.renew): true while it is still ours */
  async renewOne(instanceId: string, entry: HeldLease): Promise<boolean> {
    if (this.o.held.get(instanceId) !== entry) return false;
    // Redis away: the lease is still ours until its deadline (the watch ends it then)
    await this.renewBatch([[instanceId, entry]], this.o.clock()).catch(() => this.watch());
    return this.o.held.get(instanceId) === entry;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.renewTimer = setTimeout(() => void this.renewAll(), ms);
    this.renewTimer.unref();
  }

  private async renewAll(): Promise<void> {
    const entries = [...this.o.held.entries()];
    const sentAt = this.o.clock();
    let ok = true;
    for (let i = 0; i < entries.length; i += BATCH) {
      try {
        await this.renewBatch(entries.slice(i, i + BATCH), sentAt);
      } catch (err) {
        ok = false;
        this.failures++;
        this.o.logger.warn('lease renewal failed; retrying', { leases: entries.length, error: (err as Error).message });
        break;
      }
    }
    if (ok) this.lastRenewAt = sentAt;
    this.watch();
    this.schedule(ok ? this.o.renewMs : RETRY_MS);
  }

  private async renewBatch(batch: Array<[string, HeldLease]>, sentAt: number): Promise<void> {
    const { keys } = this.o;
    const redisKeys = [keys.leases, ...batch.flatMap(([id]) => [keys.lease(id), keys.leaseEpoch(id)])];
    const args = [this.o.shardId, this.o.incarnation, this.o.ttlMs, this.o.internalUrl, ...batch.map(([, e]) => e.epoch), ...batch.map(([id]) => id)];
    const results = (await this.o.scripts.run(RENEW_MANY, redisKeys, args)) as number[];
    batch.forEach(([id, entry], i) => {
      if (results[i] === 0) this.lose(id, entry, 'another shard claimed it');
      else if (this.o.held.get(id) === entry) entry.confirmedAt = Math.max(entry.confirmedAt, sentAt);
    });
  }

  /** ends every lease whose deadline passed without a confirmed renewal */
  private watch(): void {
    const now = this.o.clock();
    for (const [id, entry] of this.o.held) {
      if (now > entry.confirmedAt + this.o.ttlMs - this.marginMs) this.lose(id, entry, 'not renewed in time (Redis unreachable?)');
    }
  }

  private lose(instanceId: string, entry: HeldLease, why: string): void {
    if (this.o.held.get(instanceId) !== entry) return;
    this.o.held.delete(instanceId);
    this.lost++;
    this.o.logger.warn('lease lost: closing the socket', { instanceId, epoch: entry.epoch, why });
    void entry.holder.end().catch((err: Error) => this.o.logger.warn('ending a lost lease failed', { instanceId, error: err.message }));
  }
}
