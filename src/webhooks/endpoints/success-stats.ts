import type { Logger } from '../../shared/logger';
import type { EndpointStore } from './endpoint-store';

const FLUSH_MS = 1000;
/** weight of the newest duration in the moving average */
const EWMA_ALPHA = 0.2;

/**
 * Successful deliveries per endpoint, counted in memory and written once a second (count, last
 * success, moving average of the duration), so a healthy endpoint costs no Redis write per event.
 * A crash loses at most a second of counts, never an event.
 */
export class SuccessStats {
  private readonly pending = new Map<string, { count: number; lastAt: number; ewma: number }>();
  private readonly averages = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly store: Pick<EndpointStore, 'noteSuccesses'>, private readonly logger: Logger) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  add(endpointId: string, ms: number): void {
    const avg = this.averages.get(endpointId);
    const ewma = avg === undefined ? ms : avg + EWMA_ALPHA * (ms - avg);
    this.averages.set(endpointId, ewma);
    const p = this.pending.get(endpointId) ?? { count: 0, lastAt: 0, ewma };
    p.count++;
    p.lastAt = Date.now();
    p.ewma = ewma;
    this.pending.set(endpointId, p);
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.entries()];
    this.pending.clear();
    await Promise.all(
      batch.map(([id, p]) =>
        this.store.noteSuccesses(id, p.count, p.lastAt, p.ewma).catch((err: Error) => this.logger.debug('could not write endpoint stats', { endpointId: id, error: err.message })),
      ),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
