/**
 * webhook-worker's log writer: drains the Redis buffer into PostgreSQL in batches of
 * MESSAGE_LOG_BATCH_SIZE rows, at once when a full batch waits, else every MESSAGE_LOG_FLUSH_MS.
 * Rows leave the buffer only after PostgreSQL stored them, so a PostgreSQL outage (or a crash of
 * this process mid-batch) costs lag, never rows: the batch stays and is written again (the
 * table's key makes the second write a no-op).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../shared/logger';
import type { LogBuffer } from './buffer';
import type { MessageLogStore } from './port';

export interface LogWriterOptions {
  batchSize: number;
  flushMs: number;
  logger: Logger;
  /** longest pause after a failed write (doubling from flushMs/2) */
  maxBackoffMs?: number;
}

export interface LogWriterStats {
  buffered: number;
  /** age of the oldest buffered row: how far the log is behind */
  lagMs: number;
  written: number;
  batches: number;
  failures: number;
  refused: number;
  postgres: 'up' | 'down' | 'unknown';
  lastError?: string;
}

export class LogWriter {
  private readonly token = randomBytes(8).toString('hex');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastFlush = 0;
  private backoffMs = 0;
  private readonly counts = { written: 0, batches: 0, failures: 0 };
  private postgres: LogWriterStats['postgres'] = 'unknown';
  private lastError?: string;
  private downSince?: number;

  constructor(private readonly buffer: LogBuffer, private readonly store: MessageLogStore, private readonly options: LogWriterOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** One pass: writes every full batch waiting, and a partial one when it is due. Returns rows written. */
  async drain(force = false): Promise<number> {
    if (!(await this.buffer.lease(this.token, Math.max(30_000, this.options.flushMs * 5)))) return 0;
    let total = 0;
    for (;;) {
      const waiting = await this.buffer.length();
      if (waiting === 0) return total;
      const due = force || waiting >= this.options.batchSize || Date.now() - this.lastFlush >= this.options.flushMs;
      if (!due) return total;
      const { rows, taken } = await this.buffer.peek(this.options.batchSize);
      await this.store.insert(rows);
      this.recovered();
      if (!(await this.buffer.trim(this.token, taken))) return total; // lease lost: the next holder writes them (no-op twice)
      this.lastFlush = Date.now();
      this.counts.written += rows.length;
      this.counts.batches++;
      total += rows.length;
      if (taken < this.options.batchSize) return total;
    }
  }

  async stats(): Promise<LogWriterStats> {
    const [buffered, lagMs, refused] = await Promise.all([this.buffer.length(), this.buffer.oldestAgeMs(), this.buffer.dropped()]);
    return { buffered, lagMs, refused, ...this.counts, postgres: this.postgres, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  /** Stops the loop after the pass under way, then writes what is left once (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.drain(true).catch((err: Error) => this.options.logger.warn('message log: final flush failed (rows stay in Redis)', { error: err.message }));
    await this.buffer.release(this.token).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.drain();
      this.schedule(this.pollMs());
    } catch (err) {
      this.failed(err as Error);
      this.schedule(this.backoffMs);
    }
  }

  /** How often the buffer is looked at: a tenth of the flush interval (a full batch goes at once). */
  private pollMs(): number {
    return Math.min(Math.max(Math.round(this.options.flushMs / 10), 20), 250);
  }

  private failed(err: Error): void {
    this.counts.failures++;
    this.lastError = err.message;
    const max = this.options.maxBackoffMs ?? 30_000;
    this.backoffMs = Math.min(max, this.backoffMs ? this.backoffMs * 2 : Math.max(this.options.flushMs / 2, 50));
    if (this.postgres !== 'down') {
      this.downSince = Date.now();
      this.options.logger.warn('message log: write failed (PostgreSQL or Redis away); rows wait in Redis and are written once both answer', { error: err.message });
    }
    this.postgres = 'down';
  }

  private recovered(): void {
    if (this.postgres === 'down') this.options.logger.info('message log: PostgreSQL is back, catching up', { downMs: Date.now() - (this.downSince ?? Date.now()) });
    this.postgres = 'up';
    this.backoffMs = 0;
    this.lastError = undefined;
  }
}
