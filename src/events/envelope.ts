/**
 * The envelope every event travels in, to the CRM through the webhook queue: a unique id (stable
 * across delivery retries, sent as `webhook-id`), the type, the instance it concerns, an ISO
 * timestamp and the type's data (catalog.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EventDataMap, EventType } from './catalog';

export type { EventFamily, EventType } from './catalog';
export { eventFamily } from './catalog';

export interface AppEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  instanceId: string;
  timestamp: string;
  data: EventDataMap[T];
  /** Overrides the family's URL (per-instance webhook, campaign callback URL) */
  targetUrl?: string;
}

/** Any one event, discriminated by `type` (what queues, observers and deliveries carry). */
export type AnyEvent = { [T in EventType]: AppEvent<T> }[EventType];

export type EventInput<T extends EventType = EventType> = Omit<AppEvent<T>, 'id' | 'timestamp'> & Partial<Pick<AppEvent<T>, 'id' | 'timestamp'>>;

/** Any one event input, discriminated by `type` (what publishers take). */
export type AnyEventInput = { [T in EventType]: EventInput<T> }[EventType];

/** One typed event input; generic producers (a session's emit) build theirs here. */
export function eventInput<T extends EventType>(type: T, instanceId: string, data: EventDataMap[T]): AnyEventInput {
  // TypeScript cannot narrow a generic T into the union; this is the one place that says it holds.
  return { type, instanceId, data } as AnyEventInput;
}

export function makeEvent(input: AnyEventInput): AnyEvent {
  return { ...input, id: input.id ?? randomUUID(), timestamp: input.timestamp ?? new Date().toISOString() } as AnyEvent;
}
