/**
 * The event catalog: every event type the daemon reports, its data and its family (which edge
 * function it goes to). The single source of event shapes, as Baileys' BaileysEventMap is for its
 * own events; it sits below the queue and WhatsApp layers, which both use it. docs/events.md
 * lists the same types and fields (test/unit/event-catalog.test.ts keeps them in step).
 */
import type { CampaignStoppedData, CampaignSummary, ConnectionUpdateData, InstanceCircuitData, InstanceHeartbeatData, InstanceRestrictionData, PairingCodeData, QrUpdatedData } from './instance-data';
import type { MessageFailedData, MessageReceivedData, MessageSentData, MessageStatusData, MessageUndecryptableData } from './message-data';
import type { WebhookEndpointData } from './webhook-data';
import type { ContactOptedOutData, InstanceHealthData } from './budget-data';
import type { MessageDeletedData, MessageEditedData, MessageReactionData, PollVoteData } from './conversation-data';

export interface EventDataMap {
  'qr.updated': QrUpdatedData;
  'pairing.code': PairingCodeData;
  'connection.update': ConnectionUpdateData;
  'message.received': MessageReceivedData;
  'message.undecryptable': MessageUndecryptableData;
  'message.status': MessageStatusData;
  'message.sent': MessageSentData;
  'message.failed': MessageFailedData;
  'message.edited': MessageEditedData;
  'message.deleted': MessageDeletedData;
  'message.reaction': MessageReactionData;
  'poll.vote': PollVoteData;
  'instance.circuit': InstanceCircuitData;
  'instance.heartbeat': InstanceHeartbeatData;
  'instance.restriction': InstanceRestrictionData;
  'instance.health': InstanceHealthData;
  'contact.opted_out': ContactOptedOutData;
  'campaign.progress': CampaignSummary;
  'campaign.completed': CampaignSummary;
  'campaign.stopped': CampaignStoppedData;
  'webhook.endpoint': WebhookEndpointData;
}

export type EventType = keyof EventDataMap;

/** Event families, each routed to one edge function (or an override URL). */
export type EventFamily = 'messages' | 'status' | 'qr' | 'campaign';

/** The compiler keeps this complete: a new event type without a family does not build. */
export const EVENT_FAMILIES: { readonly [T in EventType]: EventFamily } = {
  'qr.updated': 'qr',
  'pairing.code': 'qr',
  'connection.update': 'status',
  'message.received': 'messages',
  'message.undecryptable': 'messages',
  'message.status': 'messages',
  'message.sent': 'messages',
  'message.failed': 'messages',
  'message.edited': 'messages',
  'message.deleted': 'messages',
  'message.reaction': 'messages',
  'poll.vote': 'messages',
  'instance.circuit': 'status',
  'instance.heartbeat': 'status',
  'instance.restriction': 'status',
  'instance.health': 'status',
  'contact.opted_out': 'messages',
  'campaign.progress': 'campaign',
  'campaign.completed': 'campaign',
  'campaign.stopped': 'campaign',
  'webhook.endpoint': 'status',
};

export const EVENT_TYPES = Object.keys(EVENT_FAMILIES) as EventType[];

export function eventFamily(type: EventType): EventFamily {
  return EVENT_FAMILIES[type];
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EVENT_FAMILIES, value);
}

export type { CampaignSummary } from './instance-data';
