import type { BudgetHoldReason } from '../budget/send-budget';
import type { CampaignMediaType } from './schema';

/**
 * Stored campaign statuses. `creating` is internal (recipients being written); the API shows the
 * other six. A running campaign held back automatically (circuit open, quiet hours, daily cap,
 * instance reconnecting, WhatsApp restricting new chats) is shown as `paused` with a pauseReason, but stays `running` in Redis so
 * a user's resume never overrides a safety hold.
 */
export type CampaignStatus = 'creating' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export const FINISHED_STATUSES: ReadonlySet<CampaignStatus> = new Set(['completed', 'cancelled', 'failed']);

/** `suppressed`: skipped because the contact opted out (the suppression list), never sent */
export type RecipientState = 'pending' | 'sending' | 'sent' | 'failed' | 'suppressed';

/** the budget's rules (caps, warm-up, new chats, identical content, health, quiet hours, WhatsApp's restrictions) plus the campaign's own waits */
export type HoldReason = BudgetHoldReason | 'circuit_open' | 'instance_not_connected';

export interface CampaignRecord {
  campaignId: string;
  instanceId: string;
  status: CampaignStatus;
  /** message template (text, or the caption of media) */
  message?: string;
  mediaType: CampaignMediaType;
  mediaUrl?: string;
  fileName?: string;
  mimetype?: string;
  /** true when the message has placeholders: variables are read per recipient */
  templated: boolean;
  scheduledFor?: number;
  rateLimitMs?: number;
  /** add-broadcast checkNumbers: each phone is looked up (cached) before its send */
  checkNumbers?: boolean;
  total: number;
  invalid: number;
  duplicates: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** index in the recipient list before which every recipient is final */
  cursor: number;
  holdReason?: HoldReason;
  holdUntil?: number;
  /** Messenger: messaging_type and message tag of every message */
  messagingType?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
  tag?: string;
  /** why the campaign stopped by itself (failed) */
  error?: string;
  errorCode?: string;
}

export interface CampaignCounters {
  sent: number;
  failed: number;
  suppressed: number;
  delivered: number;
  read: number;
}

export interface FailedRecipient {
  to: string;
  reason: string;
  code: string;
  at: number;
}
