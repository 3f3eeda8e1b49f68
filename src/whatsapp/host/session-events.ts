import type { Logger } from '../../shared/logger';
import { makeEvent, AnyEvent, AnyEventInput } from '../../events/envelope';
import type { EventPublisher } from '../../queues/publisher';

export type EventListener = (event: AnyEvent) => void;

/**
 * The manager's side of the event flow: adds the per-instance webhook URL (`targetUrl`) to every
 * event, hands it to the publisher without blocking the caller, lets the manager watch events
 * (status changes, pairing codes) and can wait for everything in flight at shutdown.
 */
export class SessionEvents {
  private readonly webhookUrls = new Map<string, string>();
  private readonly listeners = new Set<EventListener>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly waiters = new Set<() => void>();
  private waitsCancelled = false;

  constructor(private readonly publisher: Pick<EventPublisher, 'publishAndWait'>, private readonly logger: Logger) {}

  setWebhookUrl(instanceId: string, url: string | undefined): void {
    if (url) this.webhookUrls.set(instanceId, url);
    else this.webhookUrls.delete(instanceId);
  }

  webhookUrl(instanceId: string): string | undefined {
    return this.webhookUrls.get(instanceId);
  }

  /** Publishes without waiting (a socket's event loop never waits on Redis); never throws. */
  publish(input: AnyEventInput): AnyEvent {
    const targetUrl = input.targetUrl ?? this.webhookUrls.get(input.instanceId);
    const event = makeEvent(targetUrl ? { ...input, targetUrl } : input);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn('event listener failed', { type: event.type, instanceId: event.instanceId, error: (err as Error).message });
      }
    }
    // The publisher logs enqueue failures itself; here they only must not become unhandled.
    try {
      this.track(this.publisher.publishAndWait(event).catch(() => undefined));
    } catch (err) {
      this.logger.error('could not publish event', { type: event.type, instanceId: event.instanceId, error: (err as Error).message });
    }
    return event;
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event matching `match`, or undefined after timeoutMs or at cancelWaits(). */
  waitFor(match: (event: AnyEvent) => boolean, timeoutMs: number): Promise<AnyEvent | undefined> {
    if (this.waitsCancelled) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (event: AnyEvent | undefined) => {
        off();
        clearTimeout(timer);
        this.waiters.delete(cancel);
        resolve(event);
      };
      const cancel = () => finish(undefined);
      const off = this.on((event) => match(event) && finish(event));
      const timer = setTimeout(cancel, timeoutMs);
      this.waiters.add(cancel);
    });
  }

  /** Shutdown: every pending waitFor resolves now (no timer left behind), later ones at once. */
  cancelWaits(): void {
    this.waitsCancelled = true;
    for (const cancel of [...this.waiters]) cancel();
  }

  /** Keeps a promise (a publish, a registry write) so flush() can wait for it at shutdown. */
  track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /** Waits for in-flight publishes and registry writes, at most timeoutMs. */
  async flush(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    while (this.inFlight.size > 0) {
      const settled = Promise.allSettled([...this.inFlight]).then(() => 'done' as const);
      if ((await Promise.race([settled, deadline.then(() => 'timeout' as const)])) === 'timeout') break;
    }
    clearTimeout(timer);
  }
}
