/**
 * Messenger's send rates (seed 003: 50 per second per page, 100 for all pages), in Redis so every
 * worker process shares them. A GCRA in one script: each key keeps the theoretical arrival time
 * of its next send; a send reserves the first instant both the page and the global schedule allow
 * and advances both, so callers wait in reservation order and the rates hold over any window
 * (at most rate * seconds + 1 sends), with no burst beyond one.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import { AppError } from '../shared/errors';

/** KEYS: page, global  ARGV: pageIntervalUs, globalIntervalUs (0 = no limit), maxWaitMs -> wait ms (-1 = too far) */
const RESERVE = `
local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ip = tonumber(ARGV[1]) local ig = tonumber(ARGV[2])
local tp = tonumber(redis.call('GET', KEYS[1]) or 0) local tg = tonumber(redis.call('GET', KEYS[2]) or 0)
local slot = now
if ip > 0 and tp > slot then slot = tp end
if ig > 0 and tg > slot then slot = tg end
if slot - now > tonumber(ARGV[3]) * 1000 then return -1 end
if ip > 0 then redis.call('SET', KEYS[1], slot + ip, 'PX', math.floor((slot - now + ip) / 1000) + 1000) end
if ig > 0 then redis.call('SET', KEYS[2], slot + ig, 'PX', math.floor((slot - now + ig) / 1000) + 1000) end
return math.floor((slot - now) / 1000)`;

export interface RateLimits {
  perPage: number;
  global: number;
  /** longer than this ahead: AppError rate_limited (paced) instead of a wait */
  maxWaitMs: number;
}

export class MessengerRateLimiter {
  private readonly scripts: ScriptRunner;

  constructor(redis: Redis, private readonly keys: RedisKeys, private readonly limits: RateLimits) {
    this.scripts = new ScriptRunner(redis);
  }

  get enabled(): boolean {
    return this.limits.perPage > 0 || this.limits.global > 0;
  }

  /** Waits for this page's next send slot. */
  async acquire(instanceId: string): Promise<number> {
    if (!this.enabled) return 0;
    const us = (rate: number) => (rate > 0 ? Math.round(1_000_000 / rate) : 0);
    const wait = Number(await this.scripts.run(RESERVE, [this.keys.messengerRate(instanceId), this.keys.messengerRateAll], [us(this.limits.perPage), us(this.limits.global), this.limits.maxWaitMs]));
    if (wait < 0) throw new AppError('rate_limited', `Messenger page ${instanceId} is at its send rate`, { paced: true, retryAfterMs: 1000 }, { retryAfterMs: 1000 });
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return wait;
  }
}
