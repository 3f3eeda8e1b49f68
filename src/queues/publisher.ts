import type { Logger } from '../shared/logger';
import type { AppQueue } from './factory';
import { makeEvent, AnyEvent, AnyEventInput } from '../events/envelope';
import { JobBatchWriter } from './job-batch';

/** Something that reacts to an event inside the producing process (message status, campaign counters). */
export type EventObserver = (event: AnyEvent) => Promise<void>;

/**
 * Turns events into jobs on the webhook queue (jobId = event id, so a re-publish of the same
 * event never makes a second delivery). Observers update local state first. publish() never
 * throws and never blocks its caller: a WhatsApp socket's event loop must not wait on anything.
 */
export class EventPublisher {
  private readonly observers: EventObserver[] = [];
  // events published in the same tick (a burst of receipts, many sends finishing) share one write
  private readonly jobs: JobBatchWriter<{ event: AnyEvent }>;

  constructor(queue: AppQueue<'webhook'>, private readonly logger: Logger) {
    this.jobs = new JobBatchWriter(queue);
  }

  observe(observer: EventObserver): void {
    this.observers.push(observer);
  }

  publish(input: AnyEventInput): AnyEvent {
    const event = makeEvent(input);
    void this.deliver(event);
    return event;
  }

  /** Same as publish, for callers (workers) that want to know the event is safely in Redis. */
  async publishAndWait(input: AnyEventInput): Promise<AnyEvent> {
    const event = makeEvent(input);
    await this.deliver(event, true);
    return event;
  }

  private async deliver(event: AnyEvent, rethrow = false): Promise<void> {
    for (const observer of this.observers) {
      try {
        await observer(event);
      } catch (err) {
        this.logger.warn('event observer failed', { eventId: event.id, type: event.type, error: (err as Error).message });
      }
    }
    try {
      await this.jobs.add({ event }, event.id);
    } catch (err) {
      this.logger.error('could not enqueue event', { eventId: event.id, type: event.type, instanceId: event.instanceId, error: (err as Error).message });
      if (rethrow) throw err;
    }
  }
}
