import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { InstanceSettings } from '../whatsapp/types';
import { ABANDON, BEGIN, RELEASE, RESERVE } from './pace-scripts';
import { ScriptRunner } from '../shared/script-runner';
import { bellJitter } from './jitter';

export type PacePriority = 'single' | 'campaign';

export interface PacerOptions {
  /** PACING_MIN_GAP_MS / PACING_JITTER_MS: global defaults, overridden per instance */
  minGapMs: number;
  jitterMs: number;
  /** longest a send may hold an instance's lease (send timeout + typing + margin) */
  leaseMs: number;
  /** per-instance settings (registry, cached); undefined = defaults */
  settings: (instanceId: string) => Promise<InstanceSettings | undefined>;
}

export interface AcquireOptions {
  priority: PacePriority;
  /** caller's own minimum (a campaign's rateLimitMs); the largest of all minimums applies */
  minGapMs?: number;
  /** refuse (AppError rate_limited, paced, retryAfterMs) when the slot is further away than this */
  maxWaitMs?: number;
  /** only the instance's and the caller's gaps apply, not PACING_MIN_GAP_MS / PACING_JITTER_MS (channels with rates of their own) */
  ignoreDefaults?: boolean;
}

/** Held while one send is in flight; release() when it is over, whatever the outcome. */
export interface PaceLease {
  /** ms waited for the slot */
  waitedMs: number;
  release(): Promise<void>;
}

const NO_LEASE: PaceLease = { waitedMs: 0, release: async () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One send rhythm per WhatsApp number, shared by every process that sends for it (Redis); how many
 * sends a number may make (daily cap, quiet hours) is src/budget/'s question, not the pacer's:
 * - a minimum gap (global, per instance, per caller: the max applies) plus a bell-shaped jitter between
 *   sends, reserved atomically in reservation order, so two processes never send closer than it;
 * - one send in flight per instance, and the gap counted from the end of the previous send, so the
 *   gap holds where WhatsApp sees it whatever the send latency;
 * - single messages go first: campaign acquirers yield while single messages wait for a slot.
 * A gap and jitter of 0 turn pacing off for that instance (no Redis work, sends in parallel).
 */
export class Pacer {
  private readonly scripts: ScriptRunner;

  constructor(redis: Redis, private readonly keys: RedisKeys, private readonly options: PacerOptions) {
    this.scripts = new ScriptRunner(redis);
  }

  /** The gap and jitter that apply to an instance for a caller. */
  async budget(instanceId: string, minGapMs = 0, ignoreDefaults = false): Promise<{ gapMs: number; jitterMs: number }> {
    const s = await this.options.settings(instanceId);
    const defaults = ignoreDefaults ? { minGapMs: 0, jitterMs: 0 } : this.options;
    return { gapMs: Math.max(defaults.minGapMs, s?.minGapMs ?? 0, minGapMs), jitterMs: s?.jitterMs ?? defaults.jitterMs };
  }

  /** Waits for this instance's next send slot and takes its lease. */
  async acquire(instanceId: string, opts: AcquireOptions): Promise<PaceLease> {
    const { gapMs, jitterMs } = await this.budget(instanceId, opts.minGapMs, opts.ignoreDefaults);
    if (gapMs === 0 && jitterMs === 0) return NO_LEASE;
    const started = Date.now();
    const token = randomBytes(8).toString('hex');
    const maxWait = opts.maxWaitMs ?? -1;
    const pace = this.keys.pace(instanceId);
    const prio = this.keys.pacePriority(instanceId);
    const p = opts.priority === 'single' ? 's' : 'c';
    try {
      // 1. reserve a slot (campaigns retry while single messages wait)
      for (;;) {
        // bell-shaped in [0, jitterMs] around its middle (jitter.ts), not flat
        const waitTtl = Math.max(maxWait, 0) + gapMs + jitterMs + this.options.leaseMs;
        const [code, ms] = (await this.scripts.run(RESERVE, [pace, prio], [gapMs, bellJitter(jitterMs), p, token, maxWait, waitTtl])) as [number, number];
        if (code === 0) {
          if (ms > 0) await sleep(ms);
          break;
        }
        const elapsed = Date.now() - started;
        if (code === 2 || (maxWait >= 0 && elapsed > maxWait)) throw paced(instanceId, code === 2 ? ms : Math.max(gapMs, 1000));
        await sleep(Math.min(Math.max(gapMs, 50), 1000));
      }
      // 2. at the slot: wait for the send in flight and the gap after it, then take the lease
      for (;;) {
        const wait = Number(await this.scripts.run(BEGIN, [pace, prio], [token, gapMs, this.options.leaseMs]));
        if (wait <= 0) break;
        await sleep(wait);
      }
    } catch (err) {
      await this.scripts.run(ABANDON, [prio], [token]).catch(() => undefined);
      throw err;
    }
    let released = false;
    return {
      waitedMs: Date.now() - started,
      release: async () => {
        if (released) return;
        released = true;
        await this.scripts.run(RELEASE, [pace], [token]);
      },
    };
  }
}

/** Not a failure: the instance's budget is booked further ahead than the caller will wait. */
export function paced(instanceId: string, retryAfterMs: number): AppError {
  return new AppError('rate_limited', `instance ${instanceId} is paced: next free slot in ${retryAfterMs} ms`, { paced: true, retryAfterMs }, { retryAfterMs });
}

export function isPaced(err: unknown): boolean {
  return err instanceof AppError && err.code === 'rate_limited' && (err.details as { paced?: boolean } | undefined)?.paced === true;
}
