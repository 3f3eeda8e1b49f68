import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import type { Logger } from '../../shared/logger';
import { BreakerChange, CircuitState, KeyedBreaker } from '../../pacing/keyed-breaker';
import type { Endpoint } from './endpoint';
import type { EndpointHealth, EndpointStore } from './endpoint-store';
import { EndpointRateLimiter } from './rate-limit';
import { SuccessStats } from './success-stats';

export type Admission =
  | { go: true; probe: boolean; failures: number }
  | { go: false; reason: 'disabled' | 'paused' | 'rate'; waitMs: number };

export interface GateOptions {
  threshold: number;
  pauseMs: number;
  maxPauseMs: number;
  /** how long the one probe after a pause may take before another caller may probe */
  probeMs: number;
  /** deliveries per second per endpoint; 0 = no limit */
  ratePerS: number;
  /** how long this process trusts what it last read of an endpoint's health */
  cacheMs?: number;
  logger: Logger;
  /** circuit opened or closed (by this process); the URL is known to the gate */
  onChange: (endpoint: Endpoint, change: BreakerChange) => void;
  /** the pause of a circuit this process opened is over: wake one held delivery as the probe */
  onPauseOver: (endpoint: Endpoint) => void;
  /**
   * an answer after failures in a row while the circuit stayed closed (too few events to open
   * it): the deliveries waiting for their next scheduled retry may go now
   */
  onRecovered: (endpoint: Endpoint) => void;
}

/**
 * Decides, per destination URL, whether a delivery may go now: not while the endpoint is disabled
 * (410), not while its circuit is open (one probe after each pause), not faster than its rate.
 * Healthy endpoints cost no Redis call per delivery: their health is read at most every cacheMs
 * (1 s), successes are counted in memory and written once a second, and the breaker is told of
 * a success only when it had counted failures.
 */
export class EndpointGate {
  readonly breaker: KeyedBreaker;
  private readonly limiter?: EndpointRateLimiter;
  private readonly cache = new Map<string, { at: number; health: EndpointHealth }>();
  private readonly known = new Map<string, Endpoint>();
  private readonly stats: SuccessStats;

  constructor(redis: Redis, keys: RedisKeys, private readonly store: EndpointStore, private readonly opts: GateOptions) {
    const endpoint = (id: string): Endpoint => this.known.get(id) ?? { id, url: '' };
    this.breaker = new KeyedBreaker(redis, {
      threshold: opts.threshold,
      pauseMs: opts.pauseMs,
      maxPauseMs: opts.maxPauseMs,
      probeMs: opts.probeMs,
      key: keys.webhookEndpointCircuit,
      logger: opts.logger,
      onChange: (id, change) => opts.onChange(endpoint(id), change),
      onPauseOver: (id) => opts.onPauseOver(endpoint(id)),
    });
    if (opts.ratePerS > 0) this.limiter = new EndpointRateLimiter(redis, keys.webhookEndpointRate, opts.ratePerS);
    this.stats = new SuccessStats(store, opts.logger);
  }

  async admit(ep: Endpoint): Promise<Admission> {
    this.known.set(ep.id, ep);
    await this.store.register(ep);
    const health = await this.health(ep.id);
    if (health.disabled) return { go: false, reason: 'disabled', waitMs: 0 };
    let probe = false;
    if (health.openUntil > 0) {
      const now = Date.now();
      if (health.openUntil > now) return { go: false, reason: 'paused', waitMs: health.openUntil - now };
      // the pause is over: Redis elects one probe among every worker's callers
      const state = await this.breaker.state(ep.id);
      if (state.open) return { go: false, reason: 'paused', waitMs: state.retryAfterMs };
      probe = state.probe === true;
      this.remember(ep.id, { disabled: false, failures: state.failures, openUntil: probe ? health.openUntil : 0 });
    }
    if (this.limiter) {
      const wait = await this.limiter.take(ep.id);
      if (wait < 0) return { go: false, reason: 'rate', waitMs: -wait };
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return { go: true, probe, failures: health.failures };
  }

  /** A 2xx: counted (in memory), and the breaker reset when it had failures (closed after a probe). */
  async succeeded(ep: Endpoint, admission: { probe: boolean; failures: number }, ms: number): Promise<void> {
    this.stats.add(ep.id, ms);
    if (admission.probe || admission.failures > 0) await this.answered(ep, admission.failures);
  }

  /**
   * A failed delivery. `countsAgainstEndpoint` (network, timeout, 5xx, 408) feeds the breaker; any
   * other answer (a 4xx about this one event, a 429) shows the endpoint is up, so a probe that
   * gets one closes the circuit like a 2xx would.
   */
  async failed(ep: Endpoint, admission: { probe: boolean; failures: number }, message: string, httpStatus: number | undefined, countsAgainstEndpoint: boolean): Promise<CircuitState | undefined> {
    await this.store.noteFailure(ep.id, message, httpStatus);
    if (!countsAgainstEndpoint) {
      if (admission.probe || admission.failures > 0) await this.answered(ep, admission.failures);
      return undefined;
    }
    const state = await this.breaker.recordFailure(ep.id, message);
    this.remember(ep.id, { disabled: false, failures: state.failures, openUntil: state.open ? Date.now() + state.retryAfterMs : 0 });
    return state;
  }

  /** The endpoint answered after failures: the breaker forgets them (closing it after a probe). */
  private async answered(ep: Endpoint, failures: number): Promise<void> {
    const closed = await this.breaker.recordSuccess(ep.id, 1);
    this.remember(ep.id, { disabled: false, failures: 0, openUntil: 0 });
    // a close is reported (and wakes the backlog) through onChange. One failure between successes
    // is about one event (it keeps its schedule); two or more in a row were the endpoint's
    if (!closed && failures >= Math.min(2, this.opts.threshold)) this.opts.onRecovered(ep);
  }

  /** Forget what was read of an endpoint (after disable or enable). */
  forget(endpointId: string): void {
    this.cache.delete(endpointId);
  }

  async close(): Promise<void> {
    this.breaker.close();
    await this.stats.close();
  }

  private async health(id: string): Promise<EndpointHealth> {
    const cached = this.cache.get(id);
    // only a healthy state is trusted from memory: a held delivery that was woken (the endpoint
    // resumed or was enabled, maybe by another process) must see it at once
    const healthy = cached && !cached.health.disabled && cached.health.openUntil === 0;
    if (healthy && Date.now() - cached.at < (this.opts.cacheMs ?? 1000)) return cached.health;
    const health = await this.store.health(id);
    this.remember(id, health);
    return health;
  }

  private remember(id: string, health: EndpointHealth): void {
    if (this.cache.size >= 1000) this.cache.clear();
    this.cache.set(id, { at: Date.now(), health });
  }
}
