/**
 * One row of the message log: an outcome (sent, failed) or a receipt (delivered, read) of one
 * message on any channel. Rows are append-only and keyed by the event that produced them (its id
 * and time), so a row written twice (a buffer drained again after a crash) is stored once.
 */
import type { AnyEvent } from '../events/envelope';

export const LOG_STATUSES = ['sent', 'failed', 'delivered', 'read'] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

export interface LogRow {
  /** id of the event (or campaign outcome) the row records */
  id: string;
  /** ISO time of the outcome or receipt: the partition key */
  at: string;
  instanceId: string;
  channel: string;
  messageId: string;
  campaignId?: string;
  recipient?: string;
  status: LogStatus;
  /** content type (text, image, ...) */
  type?: string;
  attempts?: number;
  errorCode?: string;
  errorMessage?: string;
  /** the channel's own id (WhatsApp message id, Messenger mid) */
  channelMessageId?: string;
}

/** What a receipt does not carry and the status record knows (campaign, recipient, type). */
export interface RowContext {
  channel: string;
  record?: { campaignId?: string; to?: string; type?: string };
}

/**
 * The row an event stands for, or undefined for events the log does not keep. message.failed of a
 * late rejection is skipped: its message.status 'error' receipt is the row (campaign messages
 * have only the receipt). server_ack repeats message.sent and is skipped too.
 */
export function rowOfEvent(event: AnyEvent, ctx: RowContext): LogRow | undefined {
  const base = { id: event.id, at: event.timestamp, instanceId: event.instanceId, channel: ctx.channel };
  const rec = ctx.record ?? {};
  switch (event.type) {
    case 'message.sent': {
      const d = event.data;
      return { ...base, messageId: d.messageId, campaignId: rec.campaignId, recipient: d.to, status: 'sent', type: d.type, attempts: d.attempts, channelMessageId: d.waMessageId };
    }
    case 'message.failed': {
      const d = event.data;
      if (d.late) return undefined;
      return { ...base, messageId: d.messageId, campaignId: rec.campaignId, recipient: d.to, status: 'failed', type: d.type, attempts: d.attempts, errorCode: d.error.code, errorMessage: d.error.message };
    }
    case 'message.status': {
      const d = event.data;
      const status: LogStatus | undefined = d.status === 'delivered' ? 'delivered' : d.status === 'read' || d.status === 'played' ? 'read' : d.status === 'error' ? 'failed' : undefined;
      if (!status) return undefined;
      const messageId = d.messageId || d.waMessageId;
      if (!messageId) return undefined;
      return {
        ...base,
        messageId,
        campaignId: rec.campaignId,
        recipient: rec.to ?? d.chatId,
        status,
        type: rec.type,
        channelMessageId: d.waMessageId,
        errorCode: status === 'failed' ? 'rejected' : undefined,
        errorMessage: status === 'failed' ? (d.error ?? undefined) : undefined,
      };
    }
    default:
      return undefined;
  }
}

/** Only these event types can make a row (observers skip the rest without any lookup). */
export function isLoggedType(type: string): boolean {
  return type === 'message.sent' || type === 'message.failed' || type === 'message.status';
}
