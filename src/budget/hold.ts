import { AppError } from '../shared/errors';

/** Who is sending: a single message (an agent, the CRM) or a campaign recipient. */
export type SendKind = 'single' | 'campaign';

/**
 * Every rule that can hold a send, named as the status record (`hold.rule`, `lastError`) and a
 * campaign's pauseReason show it. `restricted` and `new_chat_cap` are WhatsApp's own restrictions
 * (new-chat-hold.ts); the others are ours.
 */
export type BudgetHoldReason =
  | 'quiet_hours'
  | 'minute_cap'
  | 'hour_cap'
  | 'daily_cap'
  | 'warmup'
  | 'new_chat_daily_cap'
  | 'identical_content'
  | 'health'
  | 'restricted'
  | 'new_chat_cap';

export interface BudgetHold {
  hold: BudgetHoldReason;
  /** when it frees by itself (ms) */
  until: number;
}

/** Of several rules that hold a send, the one that frees last: that is when it can go. */
export function bindingHold(holds: BudgetHold[]): BudgetHold | undefined {
  let out: BudgetHold | undefined;
  for (const h of holds) if (!out || h.until > out.until) out = h;
  return out;
}

const WORDS: Record<BudgetHoldReason, string> = {
  quiet_hours: 'quiet hours (BROADCAST_QUIET_HOURS)',
  minute_cap: 'the per-minute cap',
  hour_cap: 'the per-hour cap',
  daily_cap: 'the daily cap',
  warmup: "the warm-up's daily cap (a young number)",
  new_chat_daily_cap: 'the daily cap of new chats',
  identical_content: 'identical-content spreading (the same text to many recipients)',
  health: "the number's health score",
  restricted: "WhatsApp's reachout timelock (the number may not start new chats)",
  new_chat_cap: "WhatsApp's new-chat cap",
};

export function holdWords(rule: BudgetHoldReason): string {
  return WORDS[rule];
}

/**
 * The wait a held single message gets. WhatsApp's restrictions keep their code `restricted`
 * (RESTRICTION_MAX_WAITS); our rules are `budget_held` (BUDGET_MAX_WAITS). Both carry the rule and
 * its end in details, and retryAfterMs: message-handler delays the job without using an attempt.
 */
export function budgetHoldError(hold: BudgetHold, instanceId: string, to: string, now: number): AppError {
  const until = new Date(hold.until).toISOString();
  const whatsapp = hold.hold === 'restricted' || hold.hold === 'new_chat_cap';
  const why = whatsapp ? `; ${to} has not written to this number` : '';
  return new AppError(
    whatsapp ? 'restricted' : 'budget_held',
    `instance ${instanceId}: ${holdWords(hold.hold)} until ${until}${why}, so the message waits`,
    { hold: hold.hold, until, to },
    { retryAfterMs: Math.max(hold.until - now, 200), wait: true },
  );
}

/** The rule named by a hold error (details.hold), for campaigns and the status record. */
export function holdOf(err: unknown): BudgetHold | undefined {
  if (!(err instanceof AppError) || (err.code !== 'budget_held' && err.code !== 'restricted')) return undefined;
  const d = err.details as { hold?: BudgetHoldReason; until?: string } | undefined;
  return d?.hold ? { hold: d.hold, until: d.until ? Date.parse(d.until) : Date.now() } : undefined;
}
