/**
 * The health score of a number, 0 to 100, from WhatsApp's own signals. Pure: health.ts reads the
 * inputs from Redis and reports level changes. Each input costs points (docs/api.md "Health"):
 * - late rejections (error acks 463/479 after the send) per send: WhatsApp refusing our messages is
 *   the strongest signal there is; 20 % of sends rejected costs the full 50 points;
 * - sends without a delivery receipt HEALTH_RECEIPT_AFTER_MS after them: messages that silently do
 *   not arrive (a shadow restriction, or numbers that are not there); half of them costs 25;
 * - a running reachout timelock: 25 (WhatsApp already forbids new chats);
 * - WhatsApp's new-chat cap: 5 at FIRST_WARNING, 10 at SECOND_WARNING, 20 when CAPPED;
 * - campaign recipients who do not reply: below HEALTH_MIN_REPLY_RATE up to 10 (recipients who
 *   never answer are the ones who block and report; a weak signal, so a small weight).
 * Rates count only from HEALTH_MIN_SENDS sends, so two unlucky messages never slow a number.
 */
import type { HealthInputs } from '../events/budget-data';

export interface HealthOptions {
  windowMs: number;
  receiptAfterMs: number;
  minSends: number;
  minReplyRate: number;
  slowBelow: number;
  pauseBelow: number;
  slowFactor: number;
}

export type HealthLevel = 'ok' | 'slow' | 'paused';

export type { HealthInputs };

export interface HealthPenalties {
  lateRejections: number;
  noReceipt: number;
  timelock: number;
  newChatCap: number;
  replyRate: number;
}

export interface HealthScore {
  score: number;
  level: HealthLevel;
  penalties: HealthPenalties;
}

const CAP_PENALTY: Record<string, number> = { FIRST_WARNING: 5, SECOND_WARNING: 10, CAPPED: 20 };

export function healthScore(i: HealthInputs, o: Pick<HealthOptions, 'minSends' | 'minReplyRate' | 'slowBelow' | 'pauseBelow'>): HealthScore {
  const late = i.sends >= o.minSends ? i.lateRejections / i.sends : 0;
  const silent = i.matured >= o.minSends ? i.withoutReceipt / i.matured : 0;
  const replyRate = i.campaignSends >= o.minSends ? i.replies / i.campaignSends : 1;
  const penalties: HealthPenalties = {
    lateRejections: Math.min(50, Math.round(late * 250)),
    noReceipt: Math.min(25, Math.round(silent * 50)),
    timelock: i.timelock ? 25 : 0,
    newChatCap: CAP_PENALTY[i.newChatCap ?? ''] ?? 0,
    replyRate: o.minReplyRate > 0 && replyRate < o.minReplyRate ? Math.round(10 * (1 - replyRate / o.minReplyRate)) : 0,
  };
  const lost = Object.values(penalties).reduce((a, b) => a + b, 0);
  const score = Math.max(0, Math.min(100, 100 - lost));
  return { score, level: levelOf(score, o), penalties };
}

export function levelOf(score: number, o: Pick<HealthOptions, 'slowBelow' | 'pauseBelow'>): HealthLevel {
  if (score < o.pauseBelow) return 'paused';
  if (score < o.slowBelow) return 'slow';
  return 'ok';
}
