import { AppError } from '../shared/errors';
import { restrictionHold, RestrictionHold, RestrictionState } from '../whatsapp/restriction';

/** Where the rule reads from: RestrictionStore (Redis, written by whatsapp-server) and InboundChats. */
export interface NewChatSources {
  restrictions: { get(instanceId: string): Promise<RestrictionState | undefined> };
  chats: { wroteToUs(instanceId: string, to: string): Promise<boolean> };
}

/**
 * The new-chat rule of the budget: while the number may not start new chats (restriction.ts
 * restrictionHold: a running reachout timelock, or WhatsApp's new-chat cap reported CAPPED), a send
 * to someone who has not written to us within the retention is held until the restriction ends.
 * Chats that wrote to us (inbound-chats.ts) and groups go on: WhatsApp keeps existing chats open.
 */
export async function newChatHold(sources: NewChatSources, instanceId: string, to: string | undefined, now: number): Promise<RestrictionHold | undefined> {
  const hold = restrictionHold(await sources.restrictions.get(instanceId), now);
  if (!hold) return undefined;
  if (to !== undefined && (await sources.chats.wroteToUs(instanceId, to))) return undefined;
  return hold;
}

const RULE: Record<string, string> = {
  restricted: "WhatsApp's reachout timelock (the number may not start new chats)",
  new_chat_cap: "WhatsApp's new-chat cap is reached",
};

/** The wait a held single message gets: code `restricted`, retried after the hold (a wait, not a failure). */
export function newChatHoldError(hold: { hold: string; until: number }, instanceId: string, to: string, now = Date.now()): AppError {
  const until = new Date(hold.until).toISOString();
  return new AppError(
    'restricted',
    `instance ${instanceId}: ${RULE[hold.hold] ?? hold.hold} until ${until}; ${to} has not written to this number, so the message waits`,
    { hold: hold.hold, until, to },
    { retryAfterMs: Math.max(hold.until - now, 200), wait: true },
  );
}
