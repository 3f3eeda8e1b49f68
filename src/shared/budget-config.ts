import { z } from 'zod';

/**
 * The environment variables of the send budget (src/budget/), merged into configSchema. Kept apart
 * so the budget's knobs and their defaults read as one table; docs/api.md ("The send budget") says
 * why each default is what it is and where it comes from. Every cap: 0 = none.
 */
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().min(min).max(max).default(def);
const onOff = (def: 'on' | 'off') => z.enum(['on', 'off']).default(def);

export const DEFAULT_OPT_OUT_WORDS = 'STOP,SAIR,PARAR,CANCELAR,DESCADASTRAR';

export const budgetConfigShape = {
  /** sends per instance in any rolling minute, single messages and campaigns together (seed 004: 20) */
  BUDGET_PER_MINUTE: int(20),
  /** ...in any rolling hour */
  BUDGET_PER_HOUR: int(200),
  /** ...per local day; unset: BROADCAST_DAILY_CAP when above 0 (its old name), else 1500 */
  BUDGET_PER_DAY: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).optional()),
  /** sends per local day to chats that never wrote to the number */
  BUDGET_NEW_CHATS_PER_DAY: int(250),
  /** recipients of one identical rendered text in any rolling hour; past it its sends are spread */
  BUDGET_IDENTICAL_PER_HOUR: int(20),
  /** warm-up of young numbers: the day cap grows from START by FACTOR each day of the number's age */
  BUDGET_WARMUP: onOff('on'),
  BUDGET_WARMUP_START: int(20, 1),
  BUDGET_WARMUP_FACTOR: num(1.5, 1, 10),
  /** a number idle this many days starts its warm-up again (0 = never) */
  BUDGET_WARMUP_IDLE_DAYS: num(7),
  /** a held single message looks again at the hold's end or at least this often... */
  BUDGET_RECHECK_MS: int(60000, 10),
  /** ...and fails `budget_held` after this many waits (none uses an attempt) */
  BUDGET_MAX_WAITS: int(1500),
  /** opt-out words: an inbound message that is only one of them suppresses its sender (empty: off) */
  OPT_OUT_WORDS: z.string().default(DEFAULT_OPT_OUT_WORDS),
  /** suppression list per instance (the number that was told STOP) or one for every instance */
  SUPPRESSION_SCOPE: z.enum(['instance', 'global']).default('instance'),
  /** the health score's inputs are counted over this many hours */
  HEALTH_WINDOW_HOURS: num(24, 0.001),
  /** a send without a delivery receipt this long after it counts as undelivered */
  HEALTH_RECEIPT_AFTER_MS: int(600000, 1),
  /** rates (rejections, receipts, replies) count only from this many sends in the window */
  HEALTH_MIN_SENDS: int(10, 1),
  /** campaign recipients replying less than this share cost points */
  HEALTH_MIN_REPLY_RATE: num(0.02, 0, 1),
  /** below this score the budget slows (caps times HEALTH_SLOW_FACTOR, gap divided by it) */
  HEALTH_SLOW_BELOW: int(70, 0, 101),
  /** below this score campaigns pause (pauseReason health) */
  HEALTH_PAUSE_BELOW: int(40, 0, 101),
  HEALTH_SLOW_FACTOR: num(0.5, 0.01, 1),
};
