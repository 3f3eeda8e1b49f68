/**
 * The producers' side of the log: an EventPublisher observer (every process that publishes
 * message events has one) and the campaign runner's outcome hook both turn outcomes into rows and
 * append them to the Redis buffer. One Redis command per row, after the send: the send itself
 * never waits on PostgreSQL.
 */
import type { Logger } from '../shared/logger';
import type { EventObserver } from '../queues/publisher';
import type { AnyEvent } from '../events/envelope';
import type { LogBuffer } from './buffer';
import { isLoggedType, LogRow, rowOfEvent, RowContext } from './row';

export interface LogObserverDeps {
  buffer: Pick<LogBuffer, 'push'>;
  /** the instance's channel (InstanceCache.channel) */
  channelOf: (instanceId: string) => Promise<string>;
  /** what a receipt does not say: campaign, recipient, type (the message's status record) */
  recordOf?: (messageId: string, event: AnyEvent) => Promise<RowContext['record']>;
  logger: Logger;
}

export function messageLogObserver(deps: LogObserverDeps): EventObserver {
  return async (event) => {
    if (!isLoggedType(event.type)) return;
    const messageId = (event.data as { messageId?: string }).messageId;
    const [channel, record] = await Promise.all([deps.channelOf(event.instanceId), messageId && deps.recordOf ? deps.recordOf(messageId, event) : undefined]);
    const row = rowOfEvent(event, { channel, record });
    if (row) await appendRows(deps, [row]);
  };
}

export interface CampaignOutcomeInput {
  campaignId: string;
  instanceId: string;
  messageId: string;
  to: string;
  sent: boolean;
  type?: string;
  code?: string;
  reason?: string;
}

/** A campaign recipient reached sent or failed (campaigns publish no per-message event). */
export function campaignOutcomeRow(o: CampaignOutcomeInput, channel: string, at = new Date()): LogRow {
  return {
    id: `${o.messageId}-${o.sent ? 'sent' : 'failed'}`,
    at: at.toISOString(),
    instanceId: o.instanceId,
    channel,
    messageId: o.messageId,
    campaignId: o.campaignId,
    recipient: o.to,
    status: o.sent ? 'sent' : 'failed',
    type: o.type,
    errorCode: o.sent ? undefined : o.code,
    errorMessage: o.sent ? undefined : o.reason,
  };
}

/** Appends rows; a refusal (buffer full) or a Redis failure is logged as an error, never dropped quietly. */
export async function appendRows(deps: Pick<LogObserverDeps, 'buffer' | 'logger'>, rows: LogRow[]): Promise<void> {
  try {
    const refused = await deps.buffer.push(rows);
    if (refused > 0) deps.logger.error('message log buffer full: rows refused (see MESSAGE_LOG_BUFFER_MAX)', { refused, messageIds: rows.map((r) => r.messageId) });
  } catch (err) {
    deps.logger.error('message log rows lost: Redis refused them', { error: (err as Error).message, messageIds: rows.map((r) => r.messageId) });
  }
}
