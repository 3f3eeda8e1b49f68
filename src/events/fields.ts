/**
 * The field names of each event's data at run time, for the test that keeps docs/events.md in
 * step with the catalog. Each list is a Record over the data type's keys, so the compiler refuses
 * a missing or an unknown field: a field added to a data type must be added (and documented) here.
 */
import type { EventType } from './catalog';
import type { WebhookEndpointData } from './webhook-data';
import type { ContactOptedOutData, InstanceHealthData } from './budget-data';
import type { MessageDeletedData, MessageEditedData, MessageReactionData, PollVoteData } from './conversation-data';
import type { CampaignStoppedData, CampaignSummary, ConnectionUpdateData, InstanceCircuitData, InstanceHeartbeatData, InstanceRestrictionData, PairingCodeData, QrUpdatedData } from './instance-data';
import type { MessageFailedData, MessageReceivedData, MessageSentData, MessageStatusData, MessageUndecryptableData, SenderData } from './message-data';

type Fields<T> = { readonly [K in keyof Required<T>]: true };

const sender: Fields<SenderData> = {
  messageId: true, chatId: true, isGroup: true, fromMe: true, from: true, fromJid: true, fromLid: true, lid: true,
  participant: true, participantLid: true, pushName: true, timestamp: true, sandbox: true,
};
const received: Fields<MessageReceivedData> = {
  ...sender, type: true, contentType: true, text: true, media: true, location: true, contact: true, reaction: true,
  quotedId: true, mentions: true, offline: true,
};
const undecryptable: Fields<MessageUndecryptableData> = { ...sender, error: true, offline: true };
const targeted = { ...sender, targetId: true, targetFromMe: true, offline: true } as const;
const edited: Fields<MessageEditedData> = { ...targeted, type: true, contentType: true, text: true };
const deleted: Fields<MessageDeletedData> = { ...targeted, byAdmin: true };
const reaction: Fields<MessageReactionData> = { ...targeted, emoji: true, removed: true };
const pollVote: Fields<PollVoteData> = { ...targeted, question: true, options: true, tallies: true };
const status: Fields<MessageStatusData> = {
  messageId: true, waMessageId: true, chatId: true, lid: true, fromMe: true, status: true, participant: true, participantLid: true,
  timestamp: true, error: true, sandbox: true,
};
const sent: Fields<MessageSentData> = { messageId: true, to: true, jid: true, waMessageId: true, type: true, attempts: true, sentAt: true };
const failed: Fields<MessageFailedData> = { messageId: true, to: true, type: true, error: true, attempts: true, failedAt: true, late: true, reason: true };
const qr: Fields<QrUpdatedData> = { qr: true, attempt: true, sandbox: true };
const pairing: Fields<PairingCodeData> = { code: true, phone: true, sandbox: true };
const connection: Fields<ConnectionUpdateData> = {
  status: true, previousStatus: true, reason: true, code: true, message: true, retryInMs: true, me: true, sandbox: true,
};
const circuit: Fields<InstanceCircuitData> = { state: true, failures: true, threshold: true, pauseMs: true, until: true, reason: true };
const heartbeat: Fields<InstanceHeartbeatData> = { status: true, connected: true, live: true, at: true, statusSince: true, me: true, lastError: true };
const restriction: Fields<InstanceRestrictionData> = { reachoutTimelock: true, newChatCap: true, sandbox: true };
const health: Fields<InstanceHealthData> = { score: true, level: true, previousLevel: true, reason: true, inputs: true, penalties: true, at: true };
const optedOut: Fields<ContactOptedOutData> = { contact: true, forms: true, chatId: true, from: true, lid: true, word: true, messageId: true, scope: true, optedOutAt: true, sandbox: true };
const summary: Fields<CampaignSummary> = {
  campaignId: true, instanceId: true, status: true, pauseReason: true, holdUntil: true, total: true, pending: true, sent: true,
  failed: true, suppressed: true, delivered: true, read: true, invalid: true, duplicates: true, successRate: true, currentRate: true,
  etaSeconds: true, rateLimitMs: true, scheduledFor: true, createdAt: true, startedAt: true, finishedAt: true, error: true,
};
const stopped: Fields<CampaignStoppedData> = { ...summary, reason: true, message: true };
const endpoint: Fields<WebhookEndpointData> = { endpointId: true, url: true, state: true, failures: true, pauseMs: true, until: true, reason: true, httpStatus: true };

const FIELDS: { readonly [T in EventType]: object } = {
  'qr.updated': qr,
  'pairing.code': pairing,
  'connection.update': connection,
  'message.received': received,
  'message.undecryptable': undecryptable,
  'message.status': status,
  'message.sent': sent,
  'message.failed': failed,
  'message.edited': edited,
  'message.deleted': deleted,
  'message.reaction': reaction,
  'poll.vote': pollVote,
  'instance.circuit': circuit,
  'instance.heartbeat': heartbeat,
  'instance.restriction': restriction,
  'instance.health': health,
  'contact.opted_out': optedOut,
  'campaign.progress': summary,
  'campaign.completed': summary,
  'campaign.stopped': stopped,
  'webhook.endpoint': endpoint,
};

/** The data fields of an event type (the sandbox's own `sandbox` marker included where it sends one). */
export function eventFields(type: EventType): string[] {
  return Object.keys(FIELDS[type]);
}
