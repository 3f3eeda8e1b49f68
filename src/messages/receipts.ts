import type { EventObserver } from '../queues/publisher';
import type { MessageStatus, StatusFields, StatusStore } from './status-store';
import type { DeliveryStatus } from '../events/message-data';

/** WhatsApp receipt names (message.status events) -> our statuses. */
const RECEIPT: Record<DeliveryStatus, MessageStatus> = {
  server_ack: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  error: 'failed',
};

/**
 * Applies receipts to the status store inside whatsapp-server, before the event goes to the CRM.
 * Only messages we sent have a record (onlyIfExists); receipts never downgrade (StatusStore).
 */
export function messageStatusObserver(store: StatusStore): EventObserver {
  return async (event) => {
    if (event.type !== 'message.status') return;
    const d = event.data;
    const id = d.messageId || d.waMessageId;
    const status = RECEIPT[d.status];
    if (!id || !status) return;
    const fields: StatusFields = {};
    if (d.status === 'played') fields.playedAt = new Date().toISOString();
    if (status === 'failed') fields.error = JSON.stringify({ code: 'whatsapp_error', message: d.error ?? 'WhatsApp reported an error for this message' });
    await store.apply(id, status, fields, { onlyIfExists: true });
  };
}
