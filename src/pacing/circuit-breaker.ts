import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import { ScriptRunner } from '../shared/script-runner';
import type { InstanceCircuitData } from '../events/instance-data';
import type { AnyEventInput } from '../events/envelope';

/**
 * Per-instance circuit breaker, in Redis so message-worker and broadcast-worker see one state
 * (HASH keys.circuit(id): failures, openUntil, openedAt). CIRCUIT_FAILURE_THRESHOLD consecutive
 * send failures open it for CIRCUIT_PAUSE_MS; a success resets the count. When the pause is over
 * the circuit is half-open: the count stays one below the threshold, so the next failure opens it
 * again at once and a success closes it for good. Opening and closing are reported once each
 * ('instance.circuit' events), whichever process sees the change first.
 */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Shared by both scripts: a pause that is over closes the circuit (half-open). Sets `closed`.
const EXPIRE_PAUSE = `local closed = 0
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil')) or 0
if openUntil > 0 and openUntil <= now then
  redis.call('HDEL', KEYS[1], 'openUntil', 'openedAt')
  redis.call('HSET', KEYS[1], 'failures', tonumber(ARGV[1]) - 1)
  closed = 1 openUntil = 0
end`;

/** KEYS: circuit  ARGV: threshold  -> {openMs (0 = closed), failures, justClosed} */
const CHECK = `${NOW}
${EXPIRE_PAUSE}
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0
if openUntil > now then return {openUntil - now, failures, 0} end
return {0, failures, closed}`;

/** KEYS: circuit  ARGV: threshold, pauseMs, ttlMs  -> {openMs, failures, justClosed, justOpened} */
const FAIL = `${NOW}
${EXPIRE_PAUSE}
if openUntil > now then return {openUntil - now, tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0, 0, 0} end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
if failures >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[2]), 'openedAt', now)
  return {tonumber(ARGV[2]), failures, closed, 1}
end
return {0, failures, closed, 0}`;

export interface CircuitState {
  open: boolean;
  /** ms until it closes, when open */
  retryAfterMs: number;
  failures: number;
}

export interface CircuitBreakerOptions {
  threshold: number;
  pauseMs: number;
  /** where 'instance.circuit' events go (EventPublisher.publish) */
  publish?: (event: AnyEventInput) => unknown;
  logger?: Logger;
}

export class CircuitBreaker {
  private readonly scripts: ScriptRunner;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(redis: Redis, private readonly keys: RedisKeys, private readonly options: CircuitBreakerOptions) {
    this.scripts = new ScriptRunner(redis);
  }

  async state(instanceId: string): Promise<CircuitState> {
    const [openMs, failures, justClosed] = (await this.scripts.run(CHECK, [this.keys.circuit(instanceId)], [this.options.threshold])) as number[];
    if (justClosed) this.report(instanceId, 'closed', failures);
    return { open: openMs > 0, retryAfterMs: openMs, failures };
  }

  async isOpen(instanceId: string): Promise<boolean> {
    return (await this.state(instanceId)).open;
  }

  /** Throws AppError circuit_open (retryAfterMs = time left) while the circuit is open. */
  async assertClosed(instanceId: string): Promise<CircuitState> {
    const state = await this.state(instanceId);
    if (state.open) throw circuitOpen(instanceId, state.retryAfterMs);
    return state;
  }

  /** Counts a failed send; the one that reaches the threshold opens the circuit and reports it. */
  async recordFailure(instanceId: string, reason?: string): Promise<CircuitState> {
    const { threshold, pauseMs } = this.options;
    const ttl = Math.max(pauseMs * 2, 3_600_000);
    const [openMs, failures, justClosed, justOpened] = (await this.scripts.run(FAIL, [this.keys.circuit(instanceId)], [threshold, pauseMs, ttl])) as number[];
    if (justClosed) this.report(instanceId, 'closed', failures - 1);
    if (justOpened) {
      this.report(instanceId, 'open', failures, reason);
      this.watchClose(instanceId, openMs);
    }
    return { open: openMs > 0, retryAfterMs: openMs, failures };
  }

  /** Resets the count; cheap no-op (no Redis call) when the caller saw no failures before sending. */
  async recordSuccess(instanceId: string, knownFailures = 1): Promise<void> {
    if (knownFailures > 0) await this.scripts.run(`redis.call('HSET', KEYS[1], 'failures', 0) return 0`, [this.keys.circuit(instanceId)], []);
  }

  /** Stops the close timers (process shutdown); a later check still reports the close. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** The process that opened the circuit reports its closing even if nothing sends meanwhile. */
  private watchClose(instanceId: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.state(instanceId).catch((err: Error) => this.options.logger?.warn('circuit check failed', { instanceId, error: err.message }));
    }, ms + 5);
    timer.unref();
    this.timers.add(timer);
  }

  private report(instanceId: string, state: 'open' | 'closed', failures: number, reason?: string): void {
    const data: InstanceCircuitData = { state, failures, threshold: this.options.threshold };
    if (state === 'open') {
      data.pauseMs = this.options.pauseMs;
      data.until = new Date(Date.now() + this.options.pauseMs).toISOString();
      if (reason) data.reason = reason;
    }
    this.options.logger?.warn(`circuit ${state}`, { instanceId, ...data });
    try {
      this.options.publish?.({ type: 'instance.circuit', instanceId, data });
    } catch (err) {
      this.options.logger?.warn('could not report circuit change', { instanceId, error: (err as Error).message });
    }
  }
}

export function circuitOpen(instanceId: string, retryAfterMs: number): AppError {
  return new AppError('circuit_open', `sending is paused for instance ${instanceId} after repeated failures; retry in ${retryAfterMs} ms`, { retryAfterMs }, { retryAfterMs });
}

/** Failures that say something about the instance (not about one message). */
export function countsAsInstanceFailure(err: AppError): boolean {
  // A send still in progress under the same id (the server's send ledger) says nothing about the instance.
  if ((err.details as { inProgress?: boolean } | undefined)?.inProgress) return false;
  return err.code === 'transient' || err.code === 'timeout' || err.code === 'rate_limited' || err.code === 'internal';
}
