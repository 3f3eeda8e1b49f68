import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import type { Endpoint } from './endpoint';

/** What GET /webhooks/endpoints shows of one destination. */
export interface EndpointView {
  id: string;
  url: string;
  /** active: delivering; paused: circuit open; probing: one delivery is testing it; disabled: 410 until enabled */
  state: 'active' | 'paused' | 'probing' | 'disabled';
  /** failures in a row counted by the circuit breaker */
  failures: number;
  pausedUntil?: string;
  disabled?: { at: string; reason: string; httpStatus?: number };
  /** deliveries waiting for this endpoint (held while paused or disabled, or between retries) */
  backlog: number;
  oldestHeldAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  lastStatus?: number;
  lastSuccessAt?: string;
  /** moving average of successful deliveries' duration */
  latencyMs?: number;
  delivered: number;
  failed: number;
}

/** Redis side of the endpoints' health, shared by every webhook-worker and the HTTP API. */
export interface EndpointHealth {
  disabled: boolean;
  failures: number;
  /** ms since epoch the circuit's pause ends; 0 = closed */
  openUntil: number;
}

const iso = (ms: string | null | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);
const num = (v: string | null | undefined) => (v === null || v === undefined ? undefined : Number(v));

export class EndpointStore {
  private readonly registered = new Set<string>();

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  /** Adds the URL to the index once per process (GET /webhooks/endpoints lists the index). */
  async register(ep: Endpoint): Promise<void> {
    if (this.registered.has(ep.id)) return;
    await this.redis.hsetnx(this.keys.webhookEndpoints, ep.id, ep.url);
    this.registered.add(ep.id);
  }

  async url(id: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.webhookEndpoints, id)) ?? undefined;
  }

  async health(id: string): Promise<EndpointHealth> {
    const [[, disabledAt], [, circuit]] = (await this.redis
      .multi()
      .hget(this.keys.webhookEndpoint(id), 'disabledAt')
      .hmget(this.keys.webhookEndpointCircuit(id), 'failures', 'openUntil')
      .exec()) as [[null, string | null], [null, Array<string | null>]];
    return { disabled: !!disabledAt, failures: Number(circuit[0] ?? 0), openUntil: Number(circuit[1] ?? 0) };
  }

  /** Marks the endpoint disabled; true only for the call that disabled it (one report per 410 streak). */
  async disable(id: string, reason: string, httpStatus?: number): Promise<boolean> {
    const key = this.keys.webhookEndpoint(id);
    if ((await this.redis.hsetnx(key, 'disabledAt', Date.now())) !== 1) return false;
    await this.redis.hset(key, 'disabledReason', reason.slice(0, 500), ...(httpStatus ? ['disabledStatus', httpStatus] : []));
    return true;
  }

  /** Clears disabled and the circuit (an operator says it works again); false when it was not disabled. */
  async enable(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis
      .multi()
      .hdel(this.keys.webhookEndpoint(id), 'disabledAt', 'disabledReason', 'disabledStatus')
      .del(this.keys.webhookEndpointCircuit(id))
      .exec()) as [[null, number]];
    return removed > 0;
  }

  /** A delivery waits for this endpoint (ZADD NX: the first hold's time stays). */
  async hold(id: string, jobId: string): Promise<void> {
    await this.redis.zadd(this.keys.webhookEndpointBacklog(id), 'NX', Date.now(), jobId);
  }

  async release(id: string, jobIds: string[]): Promise<void> {
    if (jobIds.length) await this.redis.zrem(this.keys.webhookEndpointBacklog(id), ...jobIds);
  }

  /**
   * Held job ids from a time on (inclusive), oldest first, with their times. Paging by time, not by
   * rank: deliveries leave the set while a caller pages through it, which shifts every rank.
   */
  async backlogFrom(id: string, fromMs: number, count: number): Promise<Array<[string, number]>> {
    const flat = await this.redis.zrangebyscore(this.keys.webhookEndpointBacklog(id), fromMs, '+inf', 'WITHSCORES', 'LIMIT', 0, count);
    const out: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], Number(flat[i + 1])]);
    return out;
  }

  async noteFailure(id: string, message: string, httpStatus?: number): Promise<void> {
    const key = this.keys.webhookEndpoint(id);
    const m = this.redis.multi().hset(key, 'lastError', message.slice(0, 500), 'lastErrorAt', Date.now()).hincrby(key, 'failed', 1);
    if (httpStatus) m.hset(key, 'lastStatus', httpStatus);
    else m.hdel(key, 'lastStatus');
    await m.exec();
  }

  async noteSuccesses(id: string, count: number, lastAtMs: number, latencyMs: number): Promise<void> {
    const key = this.keys.webhookEndpoint(id);
    await this.redis.multi().hincrby(key, 'delivered', count).hset(key, 'lastSuccessAt', lastAtMs, 'latencyMs', Math.round(latencyMs)).exec();
  }

  async list(): Promise<EndpointView[]> {
    const index = await this.redis.hgetall(this.keys.webhookEndpoints);
    const views = await Promise.all(Object.entries(index).map(([id, url]) => this.view(id, url)));
    return views.sort((a, b) => a.url.localeCompare(b.url));
  }

  async view(id: string, url: string): Promise<EndpointView> {
    const backlogKey = this.keys.webhookEndpointBacklog(id);
    const [[, h], [, c], [, backlog], [, oldest]] = (await this.redis
      .multi()
      .hgetall(this.keys.webhookEndpoint(id))
      .hgetall(this.keys.webhookEndpointCircuit(id))
      .zcard(backlogKey)
      .zrange(backlogKey, 0, 0, 'WITHSCORES')
      .exec()) as [[null, Record<string, string>], [null, Record<string, string>], [null, number], [null, string[]]];
    const now = Date.now();
    const openUntil = Number(c.openUntil ?? 0);
    const probing = openUntil > 0 && openUntil <= now && Number(c.probeUntil ?? 0) > now;
    const state = h.disabledAt ? 'disabled' : probing ? 'probing' : openUntil > now ? 'paused' : 'active';
    const view: EndpointView = { id, url, state, failures: Number(c.failures ?? 0), backlog, delivered: Number(h.delivered ?? 0), failed: Number(h.failed ?? 0) };
    if (openUntil > now) view.pausedUntil = new Date(openUntil).toISOString();
    if (h.disabledAt) view.disabled = { at: iso(h.disabledAt)!, reason: h.disabledReason ?? '', ...(h.disabledStatus ? { httpStatus: Number(h.disabledStatus) } : {}) };
    if (oldest[1]) view.oldestHeldAt = iso(oldest[1]);
    if (h.lastError) Object.assign(view, { lastError: h.lastError, lastErrorAt: iso(h.lastErrorAt) });
    if (h.lastStatus) view.lastStatus = num(h.lastStatus);
    if (h.lastSuccessAt) view.lastSuccessAt = iso(h.lastSuccessAt);
    if (h.latencyMs) view.latencyMs = num(h.latencyMs);
    return view;
  }
}
