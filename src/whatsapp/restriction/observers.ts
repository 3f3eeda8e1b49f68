import type { EventObserver } from '../../queues/publisher';
import type { InboundChats } from '../inbound-chats';
import type { RestrictionStore } from './store';

/**
 * whatsapp-server's observers of its own events (EventPublisher.observe), run before the event is
 * queued for the CRM, so a worker that reads Redis right after sees what the CRM is told:
 * - 'instance.restriction' (the whole state, from the session's tracker) -> RestrictionStore;
 * - 'message.received' in a 1:1 chat -> InboundChats (the chats that wrote to us). Not awaited:
 *   the write leaves before the event is queued, and nothing reads it before the CRM has seen the
 *   message and answered, so an inbound message is never delayed on its way to the CRM.
 */
export function restrictionObserver(store: Pick<RestrictionStore, 'set'>): EventObserver {
  return async (event) => {
    if (event.type !== 'instance.restriction') return;
    await store.set(event.instanceId, event.data);
  };
}

export function inboundChatsObserver(chats: Pick<InboundChats, 'record'>, onError: (err: Error) => void): EventObserver {
  return async (event) => {
    if (event.type !== 'message.received') return;
    chats.record(event.instanceId, event.data).catch(onError);
  };
}
