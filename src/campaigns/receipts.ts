import type { EventObserver } from '../queues/publisher';
import type { CampaignStore } from './store';
import type { DeliveryStatus } from '../events/message-data';

const RECEIPT_STATE: Partial<Record<DeliveryStatus, 'delivered' | 'read'>> = { delivered: 'delivered', read: 'read', played: 'read' };

/**
 * Registered on whatsapp-server's EventPublisher: a delivery or read receipt ('message.status')
 * of a campaign message (found by its message id, kept while the campaign's data is) updates the
 * campaign's delivered / read counters, each recipient counted once per state.
 */
export function campaignReceiptObserver(store: CampaignStore): EventObserver {
  return async (event) => {
    if (event.type !== 'message.status') return;
    const state = RECEIPT_STATE[event.data.status];
    const messageId = event.data.messageId || event.data.waMessageId;
    if (!state || !messageId) return;
    const link = await store.redis.get(store.keys.campaignMessage(messageId));
    if (!link) return;
    const [campaignId, to] = link.split('\n');
    const k = store.keys;
    await store.redis.campaignReceipt(k.campaignDelivered(campaignId), k.campaignRead(campaignId), k.campaignCounters(campaignId), k.campaign(campaignId), to, state);
  };
}
