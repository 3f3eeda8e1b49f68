/**
 * The data of the send budget's events (docs/events.md): a number's health level changing, and a
 * contact opting out. Plain types: the catalog sits below the budget, which fills them.
 */

/** What an instance's health score is computed from (src/budget/health-score.ts), as events report it. */
export interface HealthInputs {
  /** sends in the window */
  sends: number;
  lateRejections: number;
  /** sends old enough to have a receipt, and how many of them have none */
  matured: number;
  withoutReceipt: number;
  /** campaign recipients sent in the window, and how many wrote back after */
  campaignSends: number;
  replies: number;
  timelock: boolean;
  /** WhatsApp's new-chat cap status (NONE, FIRST_WARNING, SECOND_WARNING, CAPPED) */
  newChatCap: string | null;
}

export interface InstanceHealthData {
  /** 0 to 100 */
  score: number;
  /** ok, slow (caps and pace scaled down) or paused (campaigns held, pauseReason health) */
  level: 'ok' | 'slow' | 'paused';
  previousLevel: 'ok' | 'slow' | 'paused';
  /** `score`: the inputs moved it across a threshold; `reset`: an operator reset it */
  reason: 'score' | 'reset';
  inputs: HealthInputs;
  penalties: { lateRejections: number; noReceipt: number; timelock: number; newChatCap: number; replyRate: number };
  at: string;
}

export interface ContactOptedOutData {
  /** the contact as the suppression list keeps it: phone digits, else the LID */
  contact: string;
  /** every form suppressed (phone digits and LID when both were known) */
  forms: string[];
  chatId: string;
  from: string | null;
  lid: string | null;
  /** the opt-out word as it matched (normalised: upper case, no accents) */
  word: string;
  messageId: string;
  /** `instance`: this number's list; `global`: the list every instance shares (SUPPRESSION_SCOPE) */
  scope: 'instance' | 'global';
  optedOutAt: string;
  sandbox?: true;
}
