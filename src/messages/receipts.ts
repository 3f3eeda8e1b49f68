import type { EventObserver } from '../queues/publisher';
import type { AnyEventInput } from '../events/envelope';
import type { DeliveryStatus, MessageStatusData } from '../events/message-data';
import type { AnyEvent } from '../events/envelope';
import type { MessageStatus, RecordContext, StatusFields, StatusStore } from './status-store';
import { lateRejection, LateRejection } from './late-rejection';

/** WhatsApp receipt names (message.status events) -> our statuses; errors are late rejections. */
const RECEIPT: Record<Exclude<DeliveryStatus, 'error'>, MessageStatus> = {
  server_ack: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
};

export interface ReceiptHooks {
  /** where the message.failed of a late rejection goes (EventPublisher.publish) */
  publish: (event: AnyEventInput) => unknown;
  /** after a message was moved to failed by a late rejection (circuit breaker, restriction state) */
  onRejected?: (instanceId: string, rejection: LateRejection, data: MessageStatusData) => Promise<void>;
  /** keeps what the status write read of the record, for the observers after this one (the log row) */
  records?: ReceiptRecords;
}

/**
 * The status record a receipt's status write read (campaign, recipient, type), by event: the
 * message log's observer runs after the status observer on the same event object and takes it
 * from here instead of reading the record again (measured, issue 17: one read per receipt).
 */
export class ReceiptRecords {
  private readonly byEvent = new WeakMap<AnyEvent, RecordContext | null>();

  remember(event: AnyEvent, record: RecordContext | undefined): void {
    this.byEvent.set(event, record ?? null);
  }

  /** { record } when the status write of this event read it (record undefined: no record), else undefined */
  of(event: AnyEvent): { record?: RecordContext } | undefined {
    if (!this.byEvent.has(event)) return undefined;
    return { record: this.byEvent.get(event) ?? undefined };
  }
}

/**
 * Applies receipts to the status store inside whatsapp-server, before the event goes to the CRM.
 * Only messages we sent have a record (onlyIfExists); receipts never downgrade (StatusStore). A
 * late rejection moves a sent message to failed with `reason: { code, waCode }` and reports one
 * `message.failed` (`late: true`, the same event id a worker's failure would have, so never two).
 */
export function messageStatusObserver(store: StatusStore, hooks: ReceiptHooks): EventObserver {
  return async (event) => {
    if (event.type !== 'message.status') return;
    const d = event.data;
    const id = d.messageId || d.waMessageId;
    if (!id) return;
    if (d.status === 'error') return rejected(event.instanceId, id, d);
    const fields: StatusFields = {};
    if (d.status === 'played') fields.playedAt = new Date().toISOString();
    if (!hooks.records) return void (await store.apply(id, RECEIPT[d.status], fields, { onlyIfExists: true }));
    const { record } = await store.applyAndRead(id, RECEIPT[d.status], fields, { onlyIfExists: true });
    hooks.records.remember(event, record);
  };

  async function rejected(instanceId: string, id: string, d: MessageStatusData): Promise<void> {
    const r = lateRejection(d.error);
    const error = { code: r.code, message: r.message };
    const failedAt = new Date().toISOString();
    if (!(await store.reject(id, { error: JSON.stringify(error), rejection: JSON.stringify({ code: r.code, waCode: r.waCode }) }))) return;
    const record = await store.get(id);
    // campaign messages report through their campaign (progress counts them as failed)
    if (!record?.campaignId) {
      hooks.publish({
        id: `${id}-failed`,
        type: 'message.failed',
        instanceId,
        data: { messageId: id, to: record?.to ?? d.chatId, type: record?.type ?? 'unknown', error, attempts: record?.attempts ?? 1, failedAt, late: true, reason: { code: r.code, waCode: r.waCode } },
      });
    }
    await hooks.onRejected?.(instanceId, r, d);
  }
}
