import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { InstanceCircuitData } from '../events/instance-data';
import type { AnyEventInput } from '../events/envelope';
import { BreakerChange, CircuitState, KeyedBreaker } from './keyed-breaker';

export type { CircuitState } from './keyed-breaker';

/**
 * Per-instance circuit breaker, in Redis so message-worker and broadcast-worker see one state
 * (HASH keys.circuit(id): failures, openUntil, openedAt). CIRCUIT_FAILURE_THRESHOLD consecutive
 * send failures open it for CIRCUIT_PAUSE_MS; a success resets the count. When the pause is over
 * the circuit is half-open: the count stays one below the threshold, so the next failure opens it
 * again at once and a success closes it for good. Opening and closing are reported once each
 * ('instance.circuit' events), whichever process sees the change first. The mechanics are the
 * keyed breaker's (keyed-breaker.ts), shared with the webhook endpoints' breaker.
 */
export interface CircuitBreakerOptions {
  threshold: number;
  pauseMs: number;
  /** where 'instance.circuit' events go (EventPublisher.publish) */
  publish?: (event: AnyEventInput) => unknown;
  logger?: Logger;
}

export class CircuitBreaker extends KeyedBreaker {
  constructor(redis: Redis, keys: RedisKeys, options: CircuitBreakerOptions) {
    super(redis, {
      threshold: options.threshold,
      pauseMs: options.pauseMs,
      key: keys.circuit,
      logger: options.logger,
      onChange: (instanceId, change) => reportInstanceCircuit(instanceId, change, options),
    });
  }

  /** Throws AppError circuit_open (retryAfterMs = time left) while the circuit is open. */
  async assertClosed(instanceId: string): Promise<CircuitState> {
    const state = await this.state(instanceId);
    if (state.open) throw circuitOpen(instanceId, state.retryAfterMs);
    return state;
  }
}

function reportInstanceCircuit(instanceId: string, change: BreakerChange, options: CircuitBreakerOptions): void {
  const data: InstanceCircuitData = { state: change.state, failures: change.failures, threshold: options.threshold };
  if (change.state === 'open') {
    data.pauseMs = options.pauseMs;
    data.until = change.until;
    if (change.reason) data.reason = change.reason;
  }
  options.logger?.warn(`circuit ${change.state}`, { instanceId, ...data });
  options.publish?.({ type: 'instance.circuit', instanceId, data });
}

export function circuitOpen(instanceId: string, retryAfterMs: number): AppError {
  return new AppError('circuit_open', `sending is paused for instance ${instanceId} after repeated failures; retry in ${retryAfterMs} ms`, { retryAfterMs }, { retryAfterMs });
}

/** Failures that say something about the instance (not about one message). */
export function countsAsInstanceFailure(err: AppError): boolean {
  // A send still in progress under the same id (the server's send ledger) says nothing about the instance.
  if ((err.details as { inProgress?: boolean } | undefined)?.inProgress) return false;
  // a paced wait (our pacer, Messenger's throttling codes) is a rhythm, not a failure of the instance
  if ((err.details as { paced?: boolean } | undefined)?.paced) return false;
  return err.code === 'transient' || err.code === 'timeout' || err.code === 'rate_limited' || err.code === 'internal';
}
