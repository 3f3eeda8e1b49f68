/** Between PostgreSQL rows and the log's types: row mapping, page cursors, a campaign's outcome. */
import { AppError } from '../shared/errors';
import type { CampaignOutcome } from './port';
import type { LogRow, LogStatus } from './row';

type DbRow = Record<string, unknown>;

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
const opt = (v: unknown): string | undefined => (v == null ? undefined : String(v));

export function fromDbRow(r: DbRow): LogRow {
  const row: LogRow = {
    id: String(r.event_id),
    at: iso(r.at) ?? '',
    instanceId: String(r.instance_id),
    channel: String(r.channel),
    messageId: String(r.message_id),
    status: String(r.status) as LogStatus,
  };
  const extra: Partial<LogRow> = {
    campaignId: opt(r.campaign_id),
    recipient: opt(r.recipient),
    type: opt(r.content_type),
    attempts: r.attempts == null ? undefined : Number(r.attempts),
    errorCode: opt(r.error_code),
    errorMessage: opt(r.error_message),
    channelMessageId: opt(r.channel_message_id),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (row as unknown as Record<string, unknown>)[k] = v;
  return row;
}

/** The last row of a page, as an opaque token (time and event id: the table's sort order). */
export function encodeCursor(row: LogRow): string {
  return Buffer.from(`${row.at}|${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const at = text.slice(0, bar);
  if (bar < 1 || Number.isNaN(Date.parse(at))) throw new AppError('validation_failed', 'cursor: not a cursor of this API', { fields: [{ field: 'cursor', message: 'invalid' }] });
  return { at, id: text.slice(bar + 1) };
}

export interface OutcomeDbRow {
  message_id: string;
  recipient: string | null;
  channel: string | null;
  attempts: number | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  error_code: string | null;
  error_message: string | null;
}

/**
 * A recipient's status from its rows: a receipt from the phone beats everything (read, then
 * delivered); a failure after the send (a late rejection) beats sent; otherwise sent or failed.
 */
export function foldOutcome(r: OutcomeDbRow): CampaignOutcome {
  const sent = r.sent_at?.getTime() ?? 0;
  const failed = r.failed_at?.getTime() ?? 0;
  const status: LogStatus = r.read_at ? 'read' : r.delivered_at ? 'delivered' : failed && failed >= sent ? 'failed' : sent ? 'sent' : 'failed';
  return {
    messageId: r.message_id,
    recipient: r.recipient ?? '',
    channel: r.channel ?? '',
    status,
    attempts: r.attempts == null ? null : Number(r.attempts),
    sentAt: iso(r.sent_at),
    deliveredAt: iso(r.delivered_at),
    readAt: iso(r.read_at),
    failedAt: iso(r.failed_at),
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}
