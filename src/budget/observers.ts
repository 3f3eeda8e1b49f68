import type { EventObserver } from '../queues/publisher';
import type { AnyEventInput } from '../events/envelope';
import type { MessageReceivedData } from '../events/message-data';
import { canonicalRecipient } from '../whatsapp/address';
import type { HealthMonitor } from './health';
import { optOutWord } from './opt-out';
import type { SuppressionList } from './suppressions';

export interface BudgetObserverDeps {
  health: Pick<HealthMonitor, 'delivered' | 'replied'>;
  suppressions: Pick<SuppressionList, 'add' | 'scope'>;
  optOutWords: Set<string>;
  /** where 'contact.opted_out' goes */
  publish: (event: AnyEventInput) => unknown;
  now?: () => number;
  onError?: (err: Error) => void;
}

const DELIVERED = new Set(['delivered', 'read', 'played']);

/** The forms a 1:1 sender is known by (phone digits, LID), canonical. */
export function senderForms(d: Pick<MessageReceivedData, 'from' | 'fromLid' | 'lid' | 'chatId'>): string[] {
  const forms = new Set<string>();
  for (const v of [d.from, d.fromLid, d.lid, d.chatId]) {
    const c = v ? canonicalRecipient(v) : undefined;
    if (c && !c.endsWith('@g.us')) forms.add(c);
  }
  return [...forms];
}

/**
 * whatsapp-server's observers for the budget, run before each event is queued for the CRM:
 * - 'message.received' in a 1:1 chat: an opt-out word puts the sender on the suppression list and
 *   reports 'contact.opted_out' (so a campaign running right now skips them at their turn); any
 *   inbound message of a campaign recipient counts as a reply for the health score;
 * - 'message.status' delivered / read / played of one of our sends: a receipt for the health score.
 * Late rejections reach the health score through the receipt observer's onRejected hook.
 */
export function budgetObservers(deps: BudgetObserverDeps): EventObserver {
  const now = deps.now ?? Date.now;
  const fail = (err: Error) => deps.onError?.(err);
  return async (event) => {
    if (event.type === 'message.status') {
      const id = event.data.messageId || event.data.waMessageId;
      if (id && DELIVERED.has(event.data.status)) await deps.health.delivered(event.instanceId, id).catch(fail);
      return;
    }
    if (event.type !== 'message.received') return;
    const d = event.data;
    if (d.isGroup || d.fromMe) return;
    const forms = senderForms(d);
    if (!forms.length) return;
    await deps.health.replied(event.instanceId, forms, now()).catch(fail);
    const word = optOutWord(d.type === 'text' ? d.text : null, deps.optOutWords);
    if (!word) return;
    const at = new Date(now()).toISOString();
    try {
      await deps.suppressions.add(event.instanceId, forms, { reason: 'opt_out', word, messageId: d.messageId, at });
    } catch (err) {
      fail(err as Error);
      return;
    }
    deps.publish({
      type: 'contact.opted_out',
      instanceId: event.instanceId,
      data: {
        contact: forms.find((f) => !f.endsWith('@lid')) ?? forms[0],
        forms,
        chatId: d.chatId,
        from: d.from,
        lid: d.lid,
        word,
        messageId: d.messageId,
        scope: deps.suppressions.scope,
        optedOutAt: at,
        ...(d.sandbox ? { sandbox: true as const } : {}),
      },
    });
  };
}
