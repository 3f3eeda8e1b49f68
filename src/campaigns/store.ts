import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { DAILY_TTL_SECONDS } from '../budget/daily-cap';
import type { ContactEntry } from './contacts';
import { withScripts, CampaignScripts } from './scripts';
import type { CampaignCounters, CampaignRecord, CampaignStatus, FailedRecipient, HoldReason, RecipientState } from './types';
import type { TemplateVars } from './template';

/** Seconds a finished campaign is kept (MESSAGE_RETENTION_DAYS), at least a minute. */
export function retentionSeconds(days: number): number {
  return Math.max(Math.round(days * 86400), 60);
}

/** Recipients are written in chunks of this many per command (one pipeline for all chunks). */
const CHUNK = 5000;

/** A recipient's final outcome: sent, failed with a reason, or (code `suppressed`) skipped because it opted out. */
export type RecipientFinal = { sent: true } | { sent: false; reason: string; code: string };

export interface RecipientSlot {
  index: number;
  to: string;
  state: RecipientState;
  vars?: TemplateVars;
}

/**
 * Campaign state in Redis: the definition (HASH), the recipient list (LIST, in contact order),
 * per-recipient state (HASH recipient -> sending|sent|failed; absent = pending), template
 * variables (HASH, only for contacts that have some), counters, failures (LIST) and recent send
 * times. Shared by whatsapp-server (create, status, control, receipts) and broadcast-worker.
 */
export class CampaignStore {
  readonly redis: Redis & CampaignScripts;

  constructor(redis: Redis, readonly keys: RedisKeys, readonly retentionSeconds: number) {
    this.redis = withScripts(redis);
  }

  /** Creates the campaign hash atomically; returns the existing one's basics when the id is taken. */
  async claim(campaignId: string, instanceId: string, now = Date.now()): Promise<{ status: string; instanceId: string; createdAt: number } | undefined> {
    const existing = await this.redis.campaignClaim(this.keys.campaign(campaignId), campaignId, instanceId, now);
    if (!existing) return undefined;
    return { status: existing[0] ?? '', instanceId: existing[1] ?? '', createdAt: Number(existing[2] ?? 0) };
  }

  /** Recipients (and variables) in pipelined chunks: 100,000 contacts in a few round trips. */
  async writeRecipients(campaignId: string, recipients: ContactEntry[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < recipients.length; i += CHUNK) {
      const chunk = recipients.slice(i, i + CHUNK);
      pipeline.rpush(this.keys.campaignRecipients(campaignId), ...chunk.map((r) => r.to));
      const vars: string[] = [];
      for (const r of chunk) if (r.vars) vars.push(r.to, JSON.stringify(r.vars));
      if (vars.length) pipeline.hset(this.keys.campaignVars(campaignId), ...vars);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async saveDefinition(record: CampaignRecord): Promise<void> {
    await this.redis.hset(this.keys.campaign(record.campaignId), toHash(record));
  }

  async get(campaignId: string): Promise<CampaignRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.campaign(campaignId));
    return h.status ? fromHash(h) : undefined;
  }

  async status(campaignId: string): Promise<CampaignStatus | undefined> {
    return ((await this.redis.hget(this.keys.campaign(campaignId), 'status')) as CampaignStatus | null) ?? undefined;
  }

  async counters(campaignId: string): Promise<CampaignCounters> {
    const h = await this.redis.hgetall(this.keys.campaignCounters(campaignId));
    return { sent: Number(h.sent ?? 0), failed: Number(h.failed ?? 0), suppressed: Number(h.suppressed ?? 0), delivered: Number(h.delivered ?? 0), read: Number(h.read ?? 0) };
  }

  async recentSends(campaignId: string): Promise<number[]> {
    return (await this.redis.lrange(this.keys.campaignRecent(campaignId), 0, -1)).map(Number);
  }

  async failedRecipients(campaignId: string, offset: number, limit: number): Promise<{ total: number; items: FailedRecipient[] }> {
    const key = this.keys.campaignFailed(campaignId);
    const [total, raw] = await Promise.all([this.redis.llen(key), this.redis.lrange(key, offset, offset + limit - 1)]);
    return { total, items: raw.map((r) => JSON.parse(r) as FailedRecipient) };
  }

  /** The next recipients from `start`, with their state and (for templated campaigns) variables. */
  async slots(campaignId: string, start: number, count: number, templated: boolean): Promise<RecipientSlot[]> {
    const list = await this.redis.lrange(this.keys.campaignRecipients(campaignId), start, start + count - 1);
    if (!list.length) return [];
    const [states, vars] = await Promise.all([
      this.redis.hmget(this.keys.campaignState(campaignId), ...list),
      templated ? this.redis.hmget(this.keys.campaignVars(campaignId), ...list) : Promise.resolve([] as Array<string | null>),
    ]);
    return list.map((to, i) => ({
      index: start + i,
      to,
      state: (states[i] as RecipientState | null) ?? 'pending',
      vars: vars[i] ? (JSON.parse(vars[i] as string) as TemplateVars) : undefined,
    }));
  }

  /** pending -> sending, and the message id -> campaign lookup receipts use (kept for the retention). */
  async markSending(campaignId: string, to: string, messageId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.campaignState(campaignId), to, 'sending')
      .set(this.keys.campaignMessage(messageId), `${campaignId}\n${to}`, 'EX', this.retentionSeconds)
      .exec();
  }

  /**
   * sending -> sent | failed | suppressed with the counters and cursor in one step; false if already
   * final. A `dailyKey` is incremented too (legacy: the send budget counts sends when it reserves them).
   */
  async finalize(campaignId: string, slot: { index: number; to: string }, outcome: RecipientFinal & { dailyKey?: string }, now = Date.now()): Promise<boolean> {
    const failure = outcome.sent ? '' : JSON.stringify({ to: slot.to, reason: outcome.reason, code: outcome.code, at: now } satisfies FailedRecipient);
    const state = outcome.sent ? 'sent' : outcome.code === 'suppressed' ? 'suppressed' : 'failed';
    const k = this.keys;
    const n = await this.redis.campaignFinalize(
      k.campaignState(campaignId), k.campaignCounters(campaignId), k.campaign(campaignId), k.campaignRecent(campaignId), k.campaignFailed(campaignId), outcome.dailyKey ?? k.campaignCounters(campaignId),
      slot.to, state, slot.index + 1, now, failure, outcome.dailyKey ? DAILY_TTL_SECONDS : 0,
    );
    return n === 1;
  }

  /** Guarded status change; `ok` false with the current status when it was not allowed. */
  async transition(campaignId: string, from: CampaignStatus[], to: CampaignStatus | 'resume', opts: { finish?: boolean; reopen?: boolean; error?: { message: string; code: string } } = {}): Promise<{ ok: boolean; before: string }> {
    const mode = opts.finish ? 'finish' : opts.reopen ? 'reopen' : '';
    const [ok, before] = await this.redis.campaignTransition(this.keys.campaign(campaignId), from.join(','), to, Date.now(), mode, opts.error?.message ?? '', opts.error?.code ?? '');
    return { ok: ok === 1, before };
  }

  async setHold(campaignId: string, reason: HoldReason | undefined, until?: number): Promise<void> {
    const key = this.keys.campaign(campaignId);
    if (reason) await this.redis.hset(key, 'holdReason', reason, 'holdUntil', until ?? 0);
    else await this.redis.hdel(key, 'holdReason', 'holdUntil');
  }

  /** Every key of a campaign; the message id lookups expire on their own. */
  campaignKeys(campaignId: string): string[] {
    const k = this.keys;
    return [k.campaign, k.campaignRecipients, k.campaignState, k.campaignFailed, k.campaignCounters, k.campaignVars, k.campaignDelivered, k.campaignRead, k.campaignRecent].map((f) => f(campaignId));
  }

  /** A finished campaign is kept for the retention (MESSAGE_RETENTION_DAYS), then Redis drops it. */
  async expireFinished(campaignId: string): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const key of this.campaignKeys(campaignId)) pipeline.expire(key, this.retentionSeconds);
    await pipeline.exec();
  }

  async remove(campaignId: string): Promise<void> {
    await this.redis.del(...this.campaignKeys(campaignId), this.keys.campaignLock(campaignId));
  }
}

const NUMERIC = new Set(['scheduledFor', 'rateLimitMs', 'total', 'invalid', 'duplicates', 'createdAt', 'startedAt', 'finishedAt', 'cursor', 'holdUntil']);

function toHash(record: CampaignRecord): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) h[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return h;
}

function fromHash(h: Record<string, string>): CampaignRecord {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) r[k] = NUMERIC.has(k) ? Number(v) : v;
  r.templated = h.templated === '1';
  if (h.checkNumbers !== undefined) r.checkNumbers = h.checkNumbers === '1';
  r.cursor = Number(h.cursor ?? 0);
  if (!h.holdUntil || h.holdUntil === '0') delete r.holdUntil;
  return r as unknown as CampaignRecord;
}
