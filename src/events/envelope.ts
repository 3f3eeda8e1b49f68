/**
 * The normalised events that flow to the CRM through the webhook queue. Every event has a unique
 * id (stable across delivery retries, sent as `webhook-id`), the instance it concerns, a type and
 * an ISO timestamp. The README documents each type's `data`.
 */
import { randomUUID } from 'node:crypto';

export type EventType =
  | 'qr.updated'
  | 'pairing.code'
  | 'connection.update'
  | 'message.received'
  | 'message.undecryptable'
  | 'message.status'
  | 'message.sent'
  | 'message.failed'
  | 'instance.circuit'
  | 'instance.heartbeat'
  | 'campaign.progress'
  | 'campaign.completed'
  | 'campaign.stopped';

/** Event families, each routed to one edge function (or an override URL). */
export type EventFamily = 'messages' | 'status' | 'qr' | 'campaign';

export interface AppEvent {
  id: string;
  type: EventType;
  instanceId: string;
  timestamp: string;
  data: Record<string, unknown>;
  /** Overrides the family's URL (per-instance webhook, campaign callback URL) */
  targetUrl?: string;
}

export type EventInput = Omit<AppEvent, 'id' | 'timestamp'> & Partial<Pick<AppEvent, 'id' | 'timestamp'>>;

export function eventFamily(type: EventType): EventFamily {
  if (type === 'qr.updated' || type === 'pairing.code') return 'qr';
  if (type === 'connection.update' || type === 'instance.circuit' || type === 'instance.heartbeat') return 'status';
  if (type.startsWith('campaign.')) return 'campaign';
  return 'messages';
}

export function makeEvent(input: EventInput): AppEvent {
  return { ...input, id: input.id ?? randomUUID(), timestamp: input.timestamp ?? new Date().toISOString() };
}
