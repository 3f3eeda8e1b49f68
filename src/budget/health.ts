import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import type { AnyEventInput } from '../events/envelope';
import type { InstanceHealthData } from '../events/budget-data';
import { isTimelocked, RestrictionState } from '../whatsapp/restriction/rules';
import { HealthInputs, HealthLevel, HealthOptions, HealthPenalties, healthScore } from './health-score';

export interface HealthView {
  score: number;
  level: HealthLevel;
  inputs: HealthInputs;
  penalties: HealthPenalties;
  /** when the level last changed (ISO), if it ever did */
  changedAt: string | null;
}

export interface HealthDeps {
  restrictions?: { get(instanceId: string): Promise<RestrictionState | undefined> };
  /** where 'instance.health' goes (EventPublisher.publish) */
  publish?: (event: AnyEventInput) => unknown;
}

/** KEYS: health HASH  ARGV: level, score, now  -> the previous level when this call changed it, else false */
const SET_LEVEL = `
local prev = redis.call('HGET', KEYS[1], 'level') or 'ok'
redis.call('HSET', KEYS[1], 'score', ARGV[2])
if prev == ARGV[1] then return false end
redis.call('HSET', KEYS[1], 'level', ARGV[1], 'changedAt', ARGV[3])
return prev`;

/** KEYS: sent ZSET, target ZSET  ARGV: member -> adds it to the target, scored by its send time, when it is one of our sends */
const MARK_SENT = `
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at then return 0 end
redis.call('ZADD', KEYS[2], at, ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`;

/** evaluations of one instance are reused this long (a held campaign asks every second) */
const CACHE_MS = 1000;

/**
 * An instance's health: its inputs live in Redis (health* keys: sends recorded by the budget's
 * commit, receipts, late rejections and replies by whatsapp-server's observers), so every process
 * computes the same score. A change of level (ok, slow, paused) is written with a compare-and-set
 * and reported once as 'instance.health', by whichever process saw it first.
 */
export class HealthMonitor {
  private readonly scripts: ScriptRunner;
  private readonly cache = new Map<string, { at: number; view: Promise<HealthView> }>();

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, readonly options: HealthOptions, private readonly deps: HealthDeps = {}) {
    this.scripts = new ScriptRunner(redis);
  }

  /** The health now, reused for a second; reports a level change. */
  current(instanceId: string, now: number): Promise<HealthView> {
    const hit = this.cache.get(instanceId);
    if (hit && now - hit.at < CACHE_MS && now >= hit.at) return hit.view;
    const view = this.evaluate(instanceId, now);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(instanceId, { at: now, view });
    view.catch(() => this.cache.delete(instanceId));
    return view;
  }

  /** Computes the score; a level change (or a reset: `resetFrom`) is reported. */
  async evaluate(instanceId: string, now: number, resetFrom?: HealthLevel): Promise<HealthView> {
    const inputs = await this.inputs(instanceId, now);
    const { score, level, penalties } = healthScore(inputs, this.options);
    const changed = (await this.scripts.run(SET_LEVEL, [this.keys.health(instanceId)], [level, score, now])) as string | null;
    const prev = resetFrom ?? changed;
    if (prev) this.report(instanceId, { score, level, previousLevel: prev as HealthLevel, reason: resetFrom ? 'reset' : 'score', inputs, penalties, at: new Date(now).toISOString() });
    const changedAt = await this.redis.hget(this.keys.health(instanceId), 'changedAt');
    return { score, level, inputs, penalties, changedAt: changedAt ? new Date(Number(changedAt)).toISOString() : null };
  }

  /** Operator reset: the counted inputs are forgotten (WhatsApp's running restrictions still count). */
  async reset(instanceId: string, now: number): Promise<HealthView> {
    const k = this.keys;
    const prev = ((await this.redis.hget(k.health(instanceId), 'level')) ?? 'ok') as HealthLevel;
    await this.redis.del(k.healthSent(instanceId), k.healthDelivered(instanceId), k.healthRejected(instanceId), k.healthCampaignSent(instanceId), k.healthReplied(instanceId), k.health(instanceId));
    this.cache.delete(instanceId);
    return this.evaluate(instanceId, now, prev);
  }

  /** A delivery (or read) receipt of one of our sends. */
  async delivered(instanceId: string, messageId: string): Promise<void> {
    await this.scripts.run(MARK_SENT, [this.keys.healthSent(instanceId), this.keys.healthDelivered(instanceId)], [messageId]);
  }

  /** A late rejection (error ack after the send) of one of our sends. */
  async rejected(instanceId: string, messageId: string): Promise<void> {
    await this.scripts.run(MARK_SENT, [this.keys.healthSent(instanceId), this.keys.healthRejected(instanceId)], [messageId]);
  }

  /** An inbound 1:1 message: a campaign recipient among its forms (phone, LID) wrote back. */
  async replied(instanceId: string, forms: string[], now: number): Promise<void> {
    const k = this.keys;
    for (const form of forms) {
      const at = await this.redis.zscore(k.healthCampaignSent(instanceId), form);
      if (at === null || Number(at) > now) continue;
      await this.redis.multi().zadd(k.healthReplied(instanceId), 'NX', now, form).pexpire(k.healthReplied(instanceId), this.options.windowMs).exec();
      return;
    }
  }

  private async inputs(instanceId: string, now: number): Promise<HealthInputs> {
    const k = this.keys;
    const from = now - this.options.windowMs;
    const matureBefore = now - this.options.receiptAfterMs;
    const [sends, lateRejections, matured, delivered, campaignSends, replies, restriction] = await Promise.all([
      this.redis.zcount(k.healthSent(instanceId), from, '+inf'),
      this.redis.zcount(k.healthRejected(instanceId), from, '+inf'),
      this.redis.zcount(k.healthSent(instanceId), from, matureBefore),
      this.redis.zcount(k.healthDelivered(instanceId), from, matureBefore),
      this.redis.zcount(k.healthCampaignSent(instanceId), from, '+inf'),
      this.redis.zcount(k.healthReplied(instanceId), from, '+inf'),
      this.deps.restrictions?.get(instanceId).catch(() => undefined),
    ]);
    return {
      sends,
      lateRejections,
      matured,
      withoutReceipt: Math.max(0, matured - delivered),
      campaignSends,
      replies,
      timelock: isTimelocked(restriction, now),
      newChatCap: restriction?.newChatCap.status ?? null,
    };
  }

  private report(instanceId: string, data: InstanceHealthData): void {
    this.cache.delete(instanceId);
    try {
      this.deps.publish?.({ type: 'instance.health', instanceId, data });
    } catch {
      /* publish never throws by contract; a broken one must not break a send */
    }
  }
}
