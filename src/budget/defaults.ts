import type { Config } from '../shared/config';
import { parseQuietHours, QuietHours } from './quiet-hours';
import type { WarmupOptions } from './warmup';
import type { HealthOptions } from './health-score';
import { parseOptOutWords } from './opt-out';

/** The budget's caps (0 = none): sends per rolling minute and hour, per local day, new chats per day, identical texts per hour. */
export interface BudgetCaps {
  perMinute: number;
  perHour: number;
  perDay: number;
  newChatsPerDay: number;
  identicalPerHour: number;
}

/** The global defaults, from the environment; instances override them in their settings (limits.ts). */
export interface BudgetDefaults {
  caps: BudgetCaps;
  warmup: WarmupOptions;
  quietHours?: QuietHours;
  health: HealthOptions;
  optOutWords: Set<string>;
  suppressionScope: 'instance' | 'global';
  /** PACING_MIN_GAP_MS / PACING_JITTER_MS, for the ETA */
  pacing: { minGapMs: number; jitterMs: number };
}

/** The day cap when neither BUDGET_PER_DAY nor BROADCAST_DAILY_CAP is set: baileys-antiban's default. */
export const FALLBACK_PER_DAY = 1500;

export type BudgetConfig = Pick<
  Config,
  | 'BUDGET_PER_MINUTE' | 'BUDGET_PER_HOUR' | 'BUDGET_PER_DAY' | 'BROADCAST_DAILY_CAP' | 'BUDGET_NEW_CHATS_PER_DAY' | 'BUDGET_IDENTICAL_PER_HOUR'
  | 'BUDGET_WARMUP' | 'BUDGET_WARMUP_START' | 'BUDGET_WARMUP_FACTOR' | 'BUDGET_WARMUP_IDLE_DAYS' | 'BROADCAST_QUIET_HOURS'
  | 'HEALTH_WINDOW_HOURS' | 'HEALTH_RECEIPT_AFTER_MS' | 'HEALTH_MIN_SENDS' | 'HEALTH_MIN_REPLY_RATE' | 'HEALTH_SLOW_BELOW' | 'HEALTH_PAUSE_BELOW' | 'HEALTH_SLOW_FACTOR'
  | 'OPT_OUT_WORDS' | 'SUPPRESSION_SCOPE' | 'PACING_MIN_GAP_MS' | 'PACING_JITTER_MS'
>;

export function budgetDefaults(config: BudgetConfig): BudgetDefaults {
  // BROADCAST_DAILY_CAP is the day cap's old name; its old "0 = none" now means "not set"
  const perDay = config.BUDGET_PER_DAY ?? (config.BROADCAST_DAILY_CAP > 0 ? config.BROADCAST_DAILY_CAP : FALLBACK_PER_DAY);
  return {
    caps: {
      perMinute: config.BUDGET_PER_MINUTE,
      perHour: config.BUDGET_PER_HOUR,
      perDay,
      newChatsPerDay: config.BUDGET_NEW_CHATS_PER_DAY,
      identicalPerHour: config.BUDGET_IDENTICAL_PER_HOUR,
    },
    warmup: {
      enabled: config.BUDGET_WARMUP === 'on',
      start: config.BUDGET_WARMUP_START,
      factor: config.BUDGET_WARMUP_FACTOR,
      idleMs: Math.round(config.BUDGET_WARMUP_IDLE_DAYS * 86_400_000),
    },
    quietHours: parseQuietHours(config.BROADCAST_QUIET_HOURS),
    health: {
      windowMs: Math.round(config.HEALTH_WINDOW_HOURS * 3_600_000),
      receiptAfterMs: config.HEALTH_RECEIPT_AFTER_MS,
      minSends: config.HEALTH_MIN_SENDS,
      minReplyRate: config.HEALTH_MIN_REPLY_RATE,
      slowBelow: config.HEALTH_SLOW_BELOW,
      pauseBelow: config.HEALTH_PAUSE_BELOW,
      slowFactor: config.HEALTH_SLOW_FACTOR,
    },
    optOutWords: parseOptOutWords(config.OPT_OUT_WORDS),
    suppressionScope: config.SUPPRESSION_SCOPE,
    pacing: { minGapMs: config.PACING_MIN_GAP_MS, jitterMs: config.PACING_JITTER_MS },
  };
}
