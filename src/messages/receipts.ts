import type { EventObserver } from '../queues/publisher';
import type { MessageStatus, StatusFields, StatusStore } from './status-store';

/** WhatsApp receipt names (message.status events) -> our statuses. */
const RECEIPT: Record<string, MessageStatus> = {
  server_ack: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  delivery_ack: 'delivered',
  read: 'read',
  played: 'read',
  error: 'failed',
  failed: 'failed',
};

/**
 * Applies receipts to the status store inside whatsapp-server, before the event goes to the CRM.
 * Only messages we sent have a record (onlyIfExists); receipts never downgrade (StatusStore).
 */
export function messageStatusObserver(store: StatusStore): EventObserver {
  return async (event) => {
    if (event.type !== 'message.status') return;
    const d = event.data;
    const id = typeof d.messageId === 'string' ? d.messageId : typeof d.waMessageId === 'string' ? d.waMessageId : undefined;
    const status = typeof d.status === 'string' ? RECEIPT[d.status.toLowerCase()] : undefined;
    if (!id || !status) return;
    const fields: StatusFields = {};
    if (d.status === 'played') fields.playedAt = new Date().toISOString();
    if (status === 'failed') fields.error = JSON.stringify({ code: 'whatsapp_error', message: String(d.error ?? d.reason ?? 'WhatsApp reported an error for this message') });
    await store.apply(id, status, fields, { onlyIfExists: true });
  };
}
