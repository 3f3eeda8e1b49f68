import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { AnyEventInput } from '../events/envelope';
import type { SendContent } from '../channels/content';
import { restrictionHold } from '../whatsapp/restriction/rules';
import { DailyCounter } from './daily-cap';
import type { BudgetCaps, BudgetDefaults } from './defaults';
import { quietUntil, QuietHours } from './quiet-hours';
import type { NewChatSources } from './new-chat-hold';
import { bindingHold, BudgetHold, SendKind } from './hold';
import { effectiveLimits, BudgetInstance, EffectiveLimits } from './limits';
import { ChatKind, rulesFor } from './rules';
import { contentKey, followsUp } from './content-key';
import { BudgetWindows, Reservation, SendShape } from './windows';
import { HealthMonitor, HealthView } from './health';
import { SuppressionList } from './suppressions';

export type { SendKind, BudgetHold, BudgetHoldReason } from './hold';

export interface SendBudgetOptions {
  defaults: BudgetDefaults;
  /** the instance's registry record (settings, createdAt, linkedAt), cached by the caller */
  instance: (instanceId: string) => Promise<BudgetInstance | undefined>;
  /** WhatsApp's restriction state and the chats that wrote to us (absent: every recipient is a new chat, no restriction rule) */
  newChats?: NewChatSources;
  /** where 'instance.health' goes */
  publish?: (event: AnyEventInput) => unknown;
  /** the clock (ms); tests inject theirs */
  now?: () => number;
}

/** What the budget says about one send, computed once and used for its check and its reservation. */
export interface SendPlan {
  instanceId: string;
  kind: SendKind;
  chat: ChatKind;
  limits: EffectiveLimits;
  health: HealthView;
  /** the caps the windows enforce for this send (rules that do not apply to it are 0) */
  caps: BudgetCaps;
  shape: SendShape;
  /** holds that are not windows (WhatsApp's restrictions, quiet hours, health pause) */
  holds: BudgetHold[];
  /** a fixed time given by the caller (tests); otherwise the clock is read at each step */
  fixedNow?: number;
}

export interface SendIntent {
  /** the recipient, canonical (phone digits, LID or group jid); absent: treated as a new chat */
  to?: string;
  /** what is sent (identical-content spreading keys on its rendered text) */
  content?: SendContent;
  now?: Date;
}

/** a campaign held by health looks again this often (the score moves with every receipt) */
const HEALTH_RECHECK_MS = 60_000;

/**
 * One sending budget per WhatsApp number, asked by every sender (message-worker's single messages,
 * broadcast-worker's campaigns): the rules live in src/budget/ and nowhere else, their state in
 * Redis, so one number has one budget whichever process sends for it.
 *
 * The rules (which holds which send: rules.ts): caps per rolling minute and hour, per local day
 * (lowered by the warm-up of young numbers), per day for new chats, identical-content spreading,
 * quiet hours, WhatsApp's restrictions, and the health score (slow, then pause campaigns).
 * Every send counts; holding is what differs: an agent's reply to a chat that wrote to us is held
 * only by the short minute and hour caps, never by the day, so it always goes out the same day.
 */
export class SendBudget {
  readonly windows: BudgetWindows;
  readonly health: HealthMonitor;
  readonly suppressions: SuppressionList;
  private readonly daily: DailyCounter;

  constructor(redis: Redis, keys: RedisKeys, private readonly options: SendBudgetOptions) {
    const d = options.defaults;
    this.windows = new BudgetWindows(redis, keys, d.warmup.idleMs);
    this.health = new HealthMonitor(redis, keys, d.health, { restrictions: options.newChats?.restrictions, publish: options.publish });
    this.suppressions = new SuppressionList(redis, keys, d.suppressionScope);
    this.daily = new DailyCounter(redis, keys);
  }

  get defaults(): BudgetDefaults {
    return this.options.defaults;
  }

  get quietHours(): QuietHours | undefined {
    return this.options.defaults.quietHours;
  }

  /** The budget's clock (ms). */
  now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** The rule that holds a send of this kind right now (the one that frees last), or undefined when it may go. */
  async check(instanceId: string, kind: SendKind, intent: SendIntent = {}): Promise<BudgetHold | undefined> {
    return this.holdFor(await this.plan(instanceId, kind, intent));
  }

  /** Reads what the rules need (instance, chat, health, restriction) once for a send. */
  async plan(instanceId: string, kind: SendKind, intent: SendIntent = {}): Promise<SendPlan> {
    const fixedNow = intent.now?.getTime();
    const now = fixedNow ?? this.now();
    const src = this.options.newChats;
    const [instance, wrote, restartAt, health, restriction] = await Promise.all([
      this.options.instance(instanceId),
      intent.to !== undefined && src ? src.chats.wroteToUs(instanceId, intent.to, now) : Promise.resolve(false),
      this.windows.restartAt(instanceId),
      this.health.current(instanceId, now),
      src ? src.restrictions.get(instanceId) : Promise.resolve(undefined),
    ]);
    const chat: ChatKind = wrote || followsUp(intent.content) ? 'known' : 'new';
    const limits = effectiveLimits(this.options.defaults, instance, restartAt, health.level, now);
    const rules = rulesFor(kind, chat);
    const holds: BudgetHold[] = [];
    const restricted = rules.restriction ? restrictionHold(restriction, now) : undefined;
    if (restricted) holds.push(restricted);
    const quiet = rules.quiet ? quietUntil(this.options.defaults.quietHours, new Date(now)) : undefined;
    if (quiet) holds.push({ hold: 'quiet_hours', until: quiet });
    if (rules.healthPause && health.level === 'paused') holds.push({ hold: 'health', until: now + HEALTH_RECHECK_MS });
    const c = limits.caps;
    const caps: BudgetCaps = {
      perMinute: c.perMinute,
      perHour: c.perHour,
      perDay: rules.daily ? c.perDay : 0,
      newChatsPerDay: rules.newChats ? c.newChatsPerDay : 0,
      identicalPerHour: rules.identical ? c.identicalPerHour : 0,
    };
    const shape: SendShape = { newChat: chat === 'new', contentKey: contentKey(intent.content) };
    return { instanceId, kind, chat, limits, health, caps, shape, holds, fixedNow };
  }

  /** The binding hold of a planned send right now, or undefined (nothing recorded). */
  async holdFor(plan: SendPlan): Promise<BudgetHold | undefined> {
    if (plan.holds.length) return this.held(plan, bindingHold(plan.holds));
    const now = plan.fixedNow ?? this.now();
    return this.held(plan, bindingHold(await this.windows.check(plan.instanceId, plan.caps, plan.shape, now)));
  }

  /**
   * Checks and takes the send's places in every window in one atomic step (call it inside the
   * pacing slot, right before the send): a reservation to commit or refund, or the hold.
   */
  async reserve(plan: SendPlan, token: string): Promise<{ reservation: Reservation } | { hold: BudgetHold }> {
    if (plan.holds.length) return { hold: this.held(plan, bindingHold(plan.holds)) as BudgetHold };
    const now = plan.fixedNow ?? this.now();
    const r = await this.windows.reserve(plan.instanceId, plan.caps, plan.shape, now, token);
    if (r.reservation) return { reservation: r.reservation };
    return { hold: this.held(plan, bindingHold(r.holds)) as BudgetHold };
  }

  /** The send reached WhatsApp; a duplicate (answered by the send ledger) gives its places back instead. */
  async commit(reservation: Reservation, sent: { messageId: string; duplicate?: boolean; campaignRecipient?: string }): Promise<void> {
    if (sent.duplicate) return this.windows.refund(reservation);
    await this.windows.commit(reservation, this.now(), sent.messageId, sent.campaignRecipient, this.options.defaults.health.windowMs);
  }

  /** The send never reached WhatsApp: its places are free again. */
  refund(reservation: Reservation): Promise<void> {
    return this.windows.refund(reservation);
  }

  /** True when the recipient opted out (the suppression list that applies to this instance). */
  suppressed(instanceId: string, to: string): Promise<boolean> {
    return this.suppressions.has(instanceId, to);
  }

  /** The day cap configured for an instance (settings.dailyCap, else BUDGET_PER_DAY); 0 = none. */
  async dailyCap(instanceId: string): Promise<number> {
    const s = (await this.options.instance(instanceId))?.settings;
    return s?.dailyCap ?? this.options.defaults.caps.perDay;
  }

  /** Sends of an instance counted today (single messages and campaigns together). */
  dailyCount(instanceId: string, now = new Date(this.now())): Promise<number> {
    return this.daily.get(instanceId, now);
  }

  /** The limits in force for an instance now (GET /instance/:id/budget, the ETA). */
  async limits(instanceId: string, now = this.now()): Promise<{ limits: EffectiveLimits; health: HealthView }> {
    const [instance, restartAt, health] = await Promise.all([this.options.instance(instanceId), this.windows.restartAt(instanceId), this.health.current(instanceId, now)]);
    return { limits: effectiveLimits(this.options.defaults, instance, restartAt, health.level, now), health };
  }

  /** A window's day hold is the warm-up's when the warm-up cap is what bound it. */
  private held(plan: SendPlan, hold: BudgetHold | undefined): BudgetHold | undefined {
    if (!hold) return undefined;
    const w = plan.limits.warmup;
    const warm = w.active && w.cap !== null && (plan.limits.configured.perDay === 0 || w.cap < plan.limits.configured.perDay);
    return hold.hold === 'daily_cap' && warm ? { ...hold, hold: 'warmup' } : hold;
  }
}
