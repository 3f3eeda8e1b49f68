import type { SendKind } from './hold';

/**
 * Which rules hold which send (docs/api.md "Which rule holds what"). Every send COUNTS in every
 * window it belongs to (minute, hour, day; new chats for a new chat); this table is only about
 * HOLDING. The choice: an agent's reply must always go out, a campaign must never outrun the number.
 * - new: the recipient never wrote to this number (InboundChats, within MESSAGE_RETENTION_DAYS)
 * - known: a 1:1 chat that wrote to us (every chat in WhatsApp's 24-hour window is one), or a group
 */
export type ChatKind = 'new' | 'known';

export interface RuleSet {
  /** rolling minute and hour caps: short holds, every send (one number's rhythm whoever sends) */
  windows: boolean;
  /** day cap (lowered by the warm-up) and identical-content spreading */
  daily: boolean;
  identical: boolean;
  /** the daily cap of sends that open a chat */
  newChats: boolean;
  /** WhatsApp's reachout timelock / new-chat cap (new-chat-hold.ts) */
  restriction: boolean;
  /** campaigns only: quiet hours and a health score below HEALTH_PAUSE_BELOW */
  quiet: boolean;
  healthPause: boolean;
}

export function rulesFor(kind: SendKind, chat: ChatKind): RuleSet {
  const campaign = kind === 'campaign';
  const opensChat = chat === 'new';
  return {
    windows: true,
    // a single message to a chat that wrote to us is a reply: never held by the day cap or spreading
    daily: campaign || opensChat,
    identical: campaign || opensChat,
    newChats: opensChat,
    restriction: opensChat,
    quiet: campaign,
    healthPause: campaign,
  };
}
