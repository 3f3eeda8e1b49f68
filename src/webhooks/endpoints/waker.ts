import type { Logger } from '../../shared/logger';
import type { AppQueue } from '../../queues/factory';
import type { EndpointStore } from './endpoint-store';

const BATCH = 200;
const PARALLEL = 20;

/**
 * Wakes deliveries held for an endpoint: held jobs sit in Bull's delayed set for a long while
 * (WEBHOOK_HELD_RECHECK_MS) so a long outage costs nothing per event; when the endpoint comes back
 * (its probe succeeded, an operator enabled it) they are promoted to wait at once. One held job is
 * promoted as the probe when a pause ends. Entries whose job is gone or finished are dropped.
 */
export class BacklogWaker {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly queue: AppQueue<'webhook'>, private readonly store: Pick<EndpointStore, 'backlogFrom' | 'release'>, private readonly logger: Logger) {}

  /** Promotes the oldest held delivery (the probe) `inMs` from now; an earlier request wins. */
  probeLater(endpointId: string, inMs: number): void {
    const at = Date.now() + inMs;
    const current = this.timers.get(endpointId);
    if (current && current.at <= at + 50) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.timers.delete(endpointId);
      this.wake(endpointId, 1).catch((err: Error) => this.logger.warn('could not wake a probe delivery', { endpointId, error: err.message }));
    }, inMs + 20);
    timer.unref();
    this.timers.set(endpointId, { at, timer });
  }

  /**
   * Promotes up to `limit` held deliveries (all by default), oldest first; returns how many. Pages
   * by hold time: `seen` holds the ids already visited at the page's last time (several entries
   * can share one millisecond), so nothing is visited twice or skipped while entries leave.
   */
  async wake(endpointId: string, limit = Infinity): Promise<number> {
    let promoted = 0;
    let from = 0;
    let seen = new Set<string>();
    while (promoted < limit) {
      const page = (await this.store.backlogFrom(endpointId, from, BATCH + seen.size)).filter(([id]) => !seen.has(id));
      if (!page.length) break;
      const ids = page.map(([id]) => id).slice(0, Math.min(BATCH, limit - promoted));
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i += PARALLEL) {
        const results = await Promise.all(ids.slice(i, i + PARALLEL).map((id) => this.promote(id)));
        results.forEach((r, j) => (r === 'gone' ? gone.push(ids[i + j]) : r === 'promoted' ? promoted++ : undefined));
      }
      await this.store.release(endpointId, gone);
      const last = page[ids.length - 1][1];
      seen = new Set([...(last === from ? seen : []), ...page.slice(0, ids.length).filter(([, at]) => at === last).map(([id]) => id)]);
      from = last;
    }
    return promoted;
  }

  close(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async promote(jobId: string): Promise<'promoted' | 'busy' | 'gone'> {
    const job = await this.queue.getJob(jobId);
    if (!job) return 'gone';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'gone';
    if (state !== 'delayed') return 'busy';
    // promoting a job that moved on meanwhile fails harmlessly
    return job.promote().then(
      () => 'promoted' as const,
      () => 'busy' as const,
    );
  }
}
