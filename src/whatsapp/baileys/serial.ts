/**
 * Two tiny ordering tools of a session. SerialChain runs jobs one after another in submission
 * order and never rejects (a failing job is reported and the chain goes on): Baileys does not
 * await its event handlers, so without it two batches of one instance would interleave. Lock runs
 * async sections one at a time (socket creation and teardown), also without ever rejecting its tail.
 */
import { withTimeout } from '../../shared/redis';

export class SerialChain {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: Error) => void) {}

  enqueue(job: () => Promise<void>): void {
    this.tail = this.tail.then(job).catch((err: unknown) => {
      try {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      } catch {
        // the error reporter itself must not break the chain
      }
    });
  }

  /** Waits until every queued job ran, at most timeoutMs. */
  async drain(timeoutMs = 5000): Promise<void> {
    await withTimeout(this.tail, timeoutMs, 'drain timed out').catch(() => undefined);
  }
}

export class Lock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
