import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';
import { ScriptRunner } from '../shared/script-runner';
import { CHECK, FAIL, SUCCEED } from './breaker-scripts';

/** One transition of a circuit, reported once by whichever process sees it first. */
export interface BreakerChange {
  state: 'open' | 'closed';
  failures: number;
  /** with open: how long it pauses */
  pauseMs?: number;
  /** with open: ISO time the pause ends */
  until?: string;
  reason?: string;
}

export interface KeyedBreakerOptions {
  threshold: number;
  pauseMs: number;
  /** the Redis HASH of one subject (an instance id, an endpoint id) */
  key: (id: string) => string;
  /** each open and close; errors are logged, never thrown */
  onChange?: (id: string, change: BreakerChange) => void;
  /** > 0: after the pause one probe at a time for this long, instead of half-open (breaker-scripts.ts) */
  probeMs?: number;
  /** probe mode: each failed probe doubles the pause up to this (default pauseMs: no growth) */
  maxPauseMs?: number;
  /**
   * Called when the pause of a circuit this process opened is over. Default: check the circuit,
   * which in half-open mode reports its closing even if nothing is sent meanwhile.
   */
  onPauseOver?: (id: string) => void;
  logger?: Logger;
}

export interface CircuitState {
  open: boolean;
  /** ms until it closes (or until the probe in flight ends), when open */
  retryAfterMs: number;
  failures: number;
  /** probe mode: this caller is the one let through after the pause */
  probe?: boolean;
  /** recordFailure: the failure opened the circuit (again, for a failed probe) */
  opened?: boolean;
}

/**
 * A circuit breaker in Redis whose subject, key and report are parameters, so several processes
 * share one state per subject and any kind of subject can have one (instances, webhook endpoints).
 */
export class KeyedBreaker {
  private readonly scripts: ScriptRunner;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(redis: Redis, protected readonly options: KeyedBreakerOptions) {
    this.scripts = new ScriptRunner(redis);
  }

  async state(id: string): Promise<CircuitState> {
    const { threshold, probeMs = 0 } = this.options;
    const [waitMs, failures, justClosed, probe] = (await this.scripts.run(CHECK, [this.options.key(id)], [threshold, probeMs])) as number[];
    if (justClosed) this.report(id, { state: 'closed', failures });
    return { open: waitMs > 0, retryAfterMs: waitMs, failures, probe: probe === 1 };
  }

  async isOpen(id: string): Promise<boolean> {
    return (await this.state(id)).open;
  }

  /** Counts a failure; the one that reaches the threshold opens the circuit and reports it. */
  async recordFailure(id: string, reason?: string): Promise<CircuitState> {
    const { threshold, pauseMs, probeMs = 0 } = this.options;
    const maxPauseMs = Math.max(this.options.maxPauseMs ?? pauseMs, pauseMs);
    const ttl = Math.max(maxPauseMs * 2, 3_600_000);
    const [openMs, failures, justClosed, justOpened, reopened] = (await this.scripts.run(FAIL, [this.options.key(id)], [threshold, pauseMs, ttl, probeMs, maxPauseMs])) as number[];
    if (justClosed) this.report(id, { state: 'closed', failures: failures - 1 });
    if (justOpened) this.report(id, { state: 'open', failures, pauseMs, until: new Date(Date.now() + pauseMs).toISOString(), ...(reason ? { reason } : {}) });
    if (justOpened || reopened) this.watch(id, openMs);
    return { open: openMs > 0, retryAfterMs: openMs, failures, opened: justOpened === 1 || reopened === 1 };
  }

  /** Resets the count (closes the circuit in probe mode); no Redis call when the caller saw no failures. */
  async recordSuccess(id: string, knownFailures = 1): Promise<boolean> {
    if (knownFailures <= 0) return false;
    const closed = (await this.scripts.run(SUCCEED, [this.options.key(id)], [this.options.probeMs ?? 0])) === 1;
    if (closed) this.report(id, { state: 'closed', failures: 0 });
    return closed;
  }

  /** Stops the pause timers (process shutdown); a later check still sees the state in Redis. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private watch(id: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.options.onPauseOver) return this.options.onPauseOver(id);
      if (this.options.probeMs) return;
      this.state(id).catch((err: Error) => this.options.logger?.warn('circuit check failed', { id, error: err.message }));
    }, ms + 5);
    timer.unref();
    this.timers.add(timer);
  }

  private report(id: string, change: BreakerChange): void {
    try {
      this.options.onChange?.(id, change);
    } catch (err) {
      this.options.logger?.warn('could not report circuit change', { id, error: (err as Error).message });
    }
  }
}
