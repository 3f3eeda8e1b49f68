import type { EventObserver } from '../queues/publisher';
import type { AnyEventInput } from '../events/envelope';
import type { DeliveryStatus, MessageStatusData } from '../events/message-data';
import type { MessageStatus, StatusFields, StatusStore } from './status-store';
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
    await store.apply(id, RECEIPT[d.status], fields, { onlyIfExists: true });
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
