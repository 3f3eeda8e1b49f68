import type { RestrictionState } from '../whatsapp/restriction/rules';

/**
 * Where the new-chat rules read from: RestrictionStore (Redis, written by whatsapp-server) and
 * InboundChats (the chats that wrote to us).
 *
 * WhatsApp's own restriction (restriction.ts restrictionHold: a running reachout timelock, or its
 * new-chat cap reported CAPPED) holds a send to someone who has not written to us within the
 * retention until the restriction ends (`restricted` / `new_chat_cap`). Chats that wrote to us and
 * groups go on: WhatsApp keeps existing chats open. The same "wrote to us" decides whether a send
 * opens a chat for our own daily new-chat cap (rules.ts). SendBudget.plan applies both.
 */
export interface NewChatSources {
  restrictions: { get(instanceId: string): Promise<RestrictionState | undefined> };
  chats: { wroteToUs(instanceId: string, to: string, now?: number): Promise<boolean> };
}
