import type { Logger } from '../../shared/logger';
import { withTimeout } from '../../shared/redis';
import { applySignal, defaultRestriction, RestrictionSignal, RestrictionState, sameRestriction, timelockEnd } from './rules';

export interface RestrictionTrackerOptions {
  instanceId: string;
  /** the state kept in Redis (RestrictionStore.get): where a new session starts from */
  load: () => Promise<RestrictionState | undefined>;
  /** called with the whole state after every change ('instance.restriction') */
  emit: (state: RestrictionState) => void;
  /** RESTRICTION_ACK_HOLD_MS */
  ackHoldMs: number;
  logger: Logger;
}

const LOAD_TIMEOUT_MS = 2000;

/**
 * One session's restriction state: every signal (WhatsApp's notifications and fetches, a late 463,
 * the sandbox knob) goes through here, one at a time, so the instance has one merge point and the
 * event always carries the whole state. A running lock with an end time gets a timer, so its end is
 * reported (source `expired`) even when WhatsApp sends no lift notification. Never throws.
 */
export class RestrictionTracker {
  private state?: RestrictionState;
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private disposed = false;

  constructor(private readonly options: RestrictionTrackerOptions) {}

  /** The state after every signal given so far (the default one before any). */
  async current(): Promise<RestrictionState> {
    await this.chain;
    return this.state ?? defaultRestriction();
  }

  signal(signal: RestrictionSignal): Promise<void> {
    this.chain = this.chain.then(() => this.apply(signal)).catch((err: Error) => {
      this.options.logger.warn('restriction update failed', { instanceId: this.options.instanceId, error: err.message });
    });
    return this.chain;
  }

  /** The session ended: no timer is left behind. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async apply(signal: RestrictionSignal): Promise<void> {
    const prev = this.state ?? (await this.load());
    const next = applySignal(prev, signal, Date.now(), this.options.ackHoldMs);
    this.state = next;
    this.schedule(next);
    if (!sameRestriction(prev, next)) this.options.emit(next);
  }

  private async load(): Promise<RestrictionState> {
    try {
      return (await withTimeout(this.options.load(), LOAD_TIMEOUT_MS, 'restriction state load timed out')) ?? defaultRestriction();
    } catch (err) {
      this.options.logger.warn('restriction state not loaded; starting from none', { instanceId: this.options.instanceId, error: (err as Error).message });
      return defaultRestriction();
    }
  }

  private schedule(state: RestrictionState): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const end = state.reachoutTimelock.active ? timelockEnd(state.reachoutTimelock) : undefined;
    if (end === undefined || this.disposed) return;
    // setTimeout's limit is about 24.8 days; a longer lock is looked at again then
    const delay = Math.min(Math.max(end - Date.now(), 0) + 20, 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.signal({ kind: 'expired' }), delay);
    this.timer.unref?.();
  }
}

/** A session's tracker, starting from the state in Redis (both drivers build theirs here). */
export function sessionRestriction(
  deps: { instanceId: string; store: { get(instanceId: string): Promise<RestrictionState | undefined> }; ackHoldMs: number; logger: Logger },
  emit: (state: RestrictionState) => void,
): RestrictionTracker {
  return new RestrictionTracker({ instanceId: deps.instanceId, load: () => deps.store.get(deps.instanceId), emit, ackHoldMs: deps.ackHoldMs, logger: deps.logger });
}
