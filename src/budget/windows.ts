import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import { DAILY_TTL_SECONDS, localDay, nextLocalMidnight } from './daily-cap';
import type { BudgetCaps } from './defaults';
import type { BudgetHold } from './hold';
import { CHECK_OR_RESERVE, COMMIT, REFUND } from './window-scripts';

/** What one send is, for the windows: does it open a chat, and its text key (identical content). */
export interface SendShape {
  newChat: boolean;
  contentKey?: string;
}

/** A send's places in the windows, held from before the send until commit or refund. */
export interface Reservation {
  instanceId: string;
  token: string;
  /** the local day it was counted on */
  day: string;
  newChat: boolean;
  contentKey?: string;
  at: number;
}

export interface WindowUsage {
  minute: number;
  hour: number;
  day: number;
  newChats: number;
  lastSendAt?: number;
  restartAt?: number;
  /** the oldest send still in the minute / hour window (when a full window frees) */
  oldestInMinute?: number;
  oldestInHour?: number;
}

const NO_TEXT = '-';

/**
 * The counting side of the budget: sends in the rolling minute and hour (one ZSET of the last hour),
 * per local day (the key campaigns have always used), new chats per day, and one ZSET per rendered
 * text. check() and reserve() run the same script; reserve() also records the send when nothing holds it.
 */
export class BudgetWindows {
  private readonly scripts: ScriptRunner;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly idleMs: number) {
    this.scripts = new ScriptRunner(redis);
  }

  /** The rules that hold this send now (caps of 0 hold nothing); [] = it may go. */
  async check(instanceId: string, caps: BudgetCaps, shape: SendShape, now: number): Promise<BudgetHold[]> {
    return this.run('check', instanceId, caps, shape, now, 'check');
  }

  /** Checks and records in one step: a reservation, or the holds (nothing recorded). */
  async reserve(instanceId: string, caps: BudgetCaps, shape: SendShape, now: number, token: string): Promise<{ reservation?: Reservation; holds: BudgetHold[] }> {
    const holds = await this.run('reserve', instanceId, caps, shape, now, token);
    if (holds.length) return { holds };
    return { holds, reservation: { instanceId, token, day: localDay(new Date(now)), newChat: shape.newChat, contentKey: shape.contentKey, at: now } };
  }

  /** The send reached WhatsApp: its places take the time it finished; it becomes a health input. */
  async commit(r: Reservation, doneAt: number, messageId: string, campaignRecipient: string | undefined, healthWindowMs: number): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      COMMIT,
      [k.budgetSends(r.instanceId), k.budgetSame(r.instanceId, r.contentKey ?? NO_TEXT), k.healthSent(r.instanceId), k.healthCampaignSent(r.instanceId)],
      [doneAt, r.token, messageId, campaignRecipient ?? '', healthWindowMs, r.contentKey ? '1' : '0'],
    );
  }

  /** The send never reached WhatsApp (or was answered as a duplicate): its places are given back. */
  async refund(r: Reservation): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      REFUND,
      [k.budgetSends(r.instanceId), k.dailyCount(r.instanceId, r.day), k.budgetNewChats(r.instanceId, r.day), k.budgetSame(r.instanceId, r.contentKey ?? NO_TEXT)],
      [r.token, r.newChat ? '1' : '0', r.contentKey ? '1' : '0'],
    );
  }

  async usage(instanceId: string, now: number): Promise<WindowUsage> {
    const k = this.keys;
    const day = localDay(new Date(now));
    const [minute, hour, dayCount, newChats, state, oldestMinute, oldestHour] = await Promise.all([
      this.redis.zcount(k.budgetSends(instanceId), `(${now - 60_000}`, '+inf'),
      this.redis.zcount(k.budgetSends(instanceId), `(${now - 3_600_000}`, '+inf'),
      this.redis.get(k.dailyCount(instanceId, day)),
      this.redis.get(k.budgetNewChats(instanceId, day)),
      this.redis.hmget(k.budgetState(instanceId), 'lastSendAt', 'restartAt'),
      this.redis.zrangebyscore(k.budgetSends(instanceId), `(${now - 60_000}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
      this.redis.zrangebyscore(k.budgetSends(instanceId), `(${now - 3_600_000}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
    ]);
    const num = (v: string | null | undefined) => (v ? Number(v) : undefined);
    return {
      minute,
      hour,
      day: Number(dayCount ?? 0),
      newChats: Number(newChats ?? 0),
      lastSendAt: num(state[0]),
      restartAt: num(state[1]),
      oldestInMinute: num(oldestMinute[1]),
      oldestInHour: num(oldestHour[1]),
    };
  }

  /** When the warm-up started again after an idle period (the script stamps it). */
  async restartAt(instanceId: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.budgetState(instanceId), 'restartAt');
    return v ? Number(v) : undefined;
  }

  private async run(mode: 'check' | 'reserve', instanceId: string, caps: BudgetCaps, shape: SendShape, now: number, token: string): Promise<BudgetHold[]> {
    const k = this.keys;
    const day = localDay(new Date(now));
    const text = shape.contentKey ?? NO_TEXT;
    const raw = (await this.scripts.run(
      CHECK_OR_RESERVE,
      [k.budgetSends(instanceId), k.dailyCount(instanceId, day), k.budgetNewChats(instanceId, day), k.budgetSame(instanceId, text), k.budgetSameSpread(instanceId, text), k.budgetState(instanceId)],
      [now, token, mode, caps.perMinute, caps.perHour, caps.perDay, caps.newChatsPerDay, caps.identicalPerHour, DAILY_TTL_SECONDS, this.idleMs, shape.newChat ? '1' : '0', shape.contentKey ? '1' : '0'],
    )) as Array<string | number>;
    const holds: BudgetHold[] = [];
    const midnight = nextLocalMidnight(new Date(now));
    for (let i = 0; i < raw.length; i += 2) {
      const until = Number(raw[i + 1]);
      holds.push({ hold: raw[i] as BudgetHold['hold'], until: until > 0 ? until : midnight });
    }
    return holds;
  }
}
