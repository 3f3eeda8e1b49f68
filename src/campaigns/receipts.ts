import type { EventObserver } from '../queues/publisher';
import type { CampaignStore } from './store';
import type { DeliveryStatus } from '../events/message-data';
import type { FailedRecipient } from './types';
import { lateRejection } from '../messages/late-rejection';

const RECEIPT_STATE: Partial<Record<DeliveryStatus, 'delivered' | 'read'>> = { delivered: 'delivered', read: 'read', played: 'read' };

/**
 * Registered on whatsapp-server's EventPublisher: a delivery or read receipt ('message.status')
 * of a campaign message (found by its message id, kept while the campaign's data is) updates the
 * campaign's delivered / read counters, each recipient counted once per state. A late rejection
 * (status `error`) moves a sent recipient to failed, with WhatsApp's reason, so campaign progress
 * never counts a message WhatsApp refused as sent.
 */
export function campaignReceiptObserver(store: CampaignStore): EventObserver {
  return async (event) => {
    if (event.type !== 'message.status') return;
    const { status } = event.data;
    const state = RECEIPT_STATE[status];
    const messageId = event.data.messageId || event.data.waMessageId;
    if ((!state && status !== 'error') || !messageId) return;
    const link = await store.redis.get(store.keys.campaignMessage(messageId));
    if (!link) return;
    const [campaignId, to] = link.split('\n');
    const k = store.keys;
    if (state) {
      await store.redis.campaignReceipt(k.campaignDelivered(campaignId), k.campaignRead(campaignId), k.campaignCounters(campaignId), k.campaign(campaignId), to, state);
      return;
    }
    const r = lateRejection(event.data.error);
    const failure: FailedRecipient = { to, reason: r.message, code: r.code, at: Date.now() };
    await store.redis.campaignReject(k.campaignState(campaignId), k.campaignCounters(campaignId), k.campaignFailed(campaignId), k.campaignDelivered(campaignId), k.campaign(campaignId), to, JSON.stringify(failure));
  };
}
