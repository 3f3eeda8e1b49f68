import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { InstanceSettings } from '../whatsapp/types';
import { DailyCounter, nextLocalMidnight } from './daily-cap';
import { QuietHours, quietUntil } from './quiet-hours';
import { newChatHold, NewChatSources } from './new-chat-hold';

/** Who is sending: a single message (an agent, the CRM) or a campaign recipient. */
export type SendKind = 'single' | 'campaign';

/** The rule that holds a send back, and when it frees by itself. */
export type BudgetHoldReason = 'quiet_hours' | 'daily_cap' | 'restricted' | 'new_chat_cap';
export interface BudgetHold {
  hold: BudgetHoldReason;
  until: number;
}

export interface SendBudgetOptions {
  /** BROADCAST_DAILY_CAP: default daily cap per instance (0 = none) */
  dailyCap: number;
  /** BROADCAST_QUIET_HOURS, parsed; undefined = none */
  quietHours?: QuietHours;
  /** per-instance settings (registry, cached); undefined = defaults */
  settings: (instanceId: string) => Promise<InstanceSettings | undefined>;
  /** the restriction state and the chats that wrote to us (absent: no restriction rule) */
  newChats?: NewChatSources;
}

/**
 * One sending budget per WhatsApp number, asked by every sender: message-worker's single messages
 * and broadcast-worker's campaigns share the same daily counter, so one number has one budget
 * whichever process sends for it. The rules (today quiet hours and the daily cap; later per-minute
 * and per-hour caps, warm-up, new chats) live here and nowhere else.
 *
 * The rule for single messages: they COUNT against the daily cap but are never HELD by it (nor by
 * quiet hours). A CRM agent's reply to a customer must never be blocked because a campaign used up
 * the day; the cap is there to hold campaigns, and the single messages sent during the day leave
 * less room for them.
 *
 * The one rule that holds both kinds: while WhatsApp restricts the number from starting new chats
 * (reachout timelock, or a new-chat cap reported CAPPED), a send to a recipient that has not
 * written to us is held (`restricted` / `new_chat_cap`, new-chat-hold.ts); replies go on.
 */
export class SendBudget {
  private readonly daily: DailyCounter;

  constructor(redis: Redis, keys: RedisKeys, private readonly options: SendBudgetOptions) {
    this.daily = new DailyCounter(redis, keys);
  }

  get quietHours(): QuietHours | undefined {
    return this.options.quietHours;
  }

  /** Daily cap of an instance (settings.dailyCap, else BROADCAST_DAILY_CAP); 0 = none. */
  async dailyCap(instanceId: string): Promise<number> {
    const s = await this.options.settings(instanceId);
    return s?.dailyCap ?? this.options.dailyCap;
  }

  /** Sends of an instance counted today (single messages and campaigns together). */
  dailyCount(instanceId: string, now = new Date()): Promise<number> {
    return this.daily.get(instanceId, now);
  }

  /**
   * Counts sends that really reached WhatsApp (never a duplicate answered from the send ledger)
   * and returns today's total. Campaigns do not call this: their finalize script increments
   * dailyKey() in the same step that marks the recipient sent, so a crash cannot count twice.
   */
  countSend(instanceId: string, n = 1, now = new Date()): Promise<number> {
    return this.daily.add(instanceId, n, now);
  }

  /** Today's counter key of an instance, for scripts that count atomically with their own state. */
  dailyKey(instanceId: string, now = new Date()): string {
    return this.daily.key(instanceId, now);
  }

  /**
   * The rule that holds a send of this kind right now, or undefined when it may go. `to` is the
   * recipient (canonical, as jobs keep it): without it a restricted number holds every send.
   */
  async check(instanceId: string, kind: SendKind, at: { to?: string; now?: Date } = {}): Promise<BudgetHold | undefined> {
    const now = at.now ?? new Date();
    if (this.options.newChats) {
      const held = await newChatHold(this.options.newChats, instanceId, at.to, now.getTime());
      if (held) return held;
    }
    // single messages are counted, never held by the cap or quiet hours (see the class comment)
    if (kind === 'single') return undefined;
    const quiet = quietUntil(this.options.quietHours, now);
    if (quiet) return { hold: 'quiet_hours', until: quiet };
    const cap = await this.dailyCap(instanceId);
    if (cap > 0 && (await this.dailyCount(instanceId, now)) >= cap) return { hold: 'daily_cap', until: nextLocalMidnight(now) };
    return undefined;
  }
}
