import type { Redis } from 'ioredis';
import { ScriptRunner } from '../../shared/script-runner';

/**
 * GCRA (generic cell rate algorithm) on Redis' clock: one key per endpoint holds the theoretical
 * arrival time. `rate` deliveries per second on average, bursts of up to `rate` (one second's
 * worth). A caller whose slot is at most maxWaitMs away books it (and waits in process); a caller
 * further out books nothing and is told how long to wait, so held deliveries do not eat slots.
 * KEYS: tat  ARGV: intervalMs, burstMs, maxWaitMs  -> waitMs (>= 0: booked, go after it) or -waitMs
 */
const TAKE = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[2]) - now
if wait > tonumber(ARGV[3]) then return -math.ceil(wait) end
redis.call('SET', KEYS[1], string.format('%.3f', tat + interval), 'PX', math.ceil(tat + interval - now + 1000))
if wait < 0 then return 0 end
return math.ceil(wait)`;

export class EndpointRateLimiter {
  private readonly scripts: ScriptRunner;
  private readonly intervalMs: number;
  private readonly burstMs: number;

  constructor(redis: Redis, private readonly key: (endpointId: string) => string, ratePerS: number, private readonly maxWaitMs = 1000) {
    this.scripts = new ScriptRunner(redis);
    this.intervalMs = 1000 / ratePerS;
    // one second's worth of deliveries may go at once; the slot after them is interval apart
    this.burstMs = Math.max(1000 - this.intervalMs, 0);
  }

  /** >= 0: a slot is booked that many ms from now; < 0: none within maxWaitMs, try again in -n ms. */
  async take(endpointId: string): Promise<number> {
    return Number(await this.scripts.run(TAKE, [this.key(endpointId)], [this.intervalMs, this.burstMs, this.maxWaitMs]));
  }
}
