/**
 * Collects items pushed in the same turn of the event loop and hands them to `write` together:
 * one Redis round trip for many callers under load, while a lone item still goes out at once
 * (setImmediate, no timer). A batch is written early when its weight reaches `max` (a bounded
 * script call or MULTI). `write` answers each item's caller itself and must not reject.
 */
export class TickBatch<T> {
  private pending: T[] = [];
  private weight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly max: number,
    private readonly weigh: (item: T) => number = () => 1,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    this.weight += this.weigh(item);
    if (this.weight >= this.max) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    this.weight = 0;
    if (batch.length) void this.write(batch);
  }
}
