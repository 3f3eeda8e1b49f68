import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';

export type MessageStatus = 'queued' | 'sending' | 'failed' | 'sent' | 'delivered' | 'read';

/**
 * Order of statuses: a status only replaces a lower one, so receipts arriving late or twice never
 * move a message back (delivered after read stays read). `failed` ranks below `sent`: a message
 * given up after an ambiguous timeout that WhatsApp did deliver is corrected by its receipts. A
 * failure WhatsApp itself reported after the send (late rejection) ranks above `sent` and below
 * `delivered`: a rejected message is never shown as sent, and only a receipt from the recipient's
 * phone proves it arrived after all.
 */
const RANK: Record<MessageStatus, number> = { queued: 10, sending: 20, failed: 25, sent: 30, delivered: 40, read: 50 };
const REJECTED_RANK = 35;
const STAMP: Record<MessageStatus, string> = {
  queued: 'queuedAt',
  sending: 'sendingAt',
  failed: 'failedAt',
  sent: 'sentAt',
  delivered: 'deliveredAt',
  read: 'readAt',
};

/**
 * KEYS: message  ARGV: status, rank, stampField, stampMs, ttlMs, onlyIfExists ('1'|'0'), then field/value pairs.
 * Returns 0 (no record, nothing written), 1 (fields written, status kept) or 2 (status changed).
 * The timestamp of a status is written once (first time seen), even when the status itself is
 * outranked (read before delivered still records deliveredAt). Other fields are always written.
 */
const APPLY = `
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], 'rank')
local changed = 1
if not cur or tonumber(cur) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2])
  changed = 2
end
redis.call('HSETNX', KEYS[1], ARGV[3], ARGV[4])
if #ARGV > 6 then redis.call('HSET', KEYS[1], unpack(ARGV, 7)) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return changed`;

/** APPLY, answering also the record's campaignId, to and type: {written, campaignId, to, type} ({0} for no record). */
const APPLY_READ = APPLY.replace("then return 0 end", "then return {0} end").replace(/return changed$/, "return {changed, unpack(redis.call('HMGET', KEYS[1], 'campaignId', 'to', 'type'))}");

/** What a receipt's log row takes from the status record (message-log/row.ts RowContext). */
export interface RecordContext {
  campaignId?: string;
  to?: string;
  type?: string;
}

export interface MessageRecord {
  messageId: string;
  status: MessageStatus;
  instanceId?: string;
  to?: string;
  type?: string;
  attempts?: number;
  waMessageId?: string;
  campaignId?: string;
  error?: { code: string; message: string };
  /** a late rejection: our code and WhatsApp's */
  rejection?: { code: string; waCode: string };
  lastError?: { code: string; message: string };
  /** the last budget rule that held the message, and until when (a waiting message shows the one holding it now) */
  hold?: { rule: string; until: string };
  queuedAt?: string;
  sendingAt?: string;
  sentAt?: string;
  deliveredAt?: string;
  readAt?: string;
  playedAt?: string;
  failedAt?: string;
}

export type StatusFields = Record<string, string | number | undefined>;

/** Message status by id (HASH keys.message(id)), kept MESSAGE_RETENTION_DAYS after its last change. */
export class StatusStore {
  private readonly scripts: ScriptRunner;
  private readonly ttlMs: number;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, retentionDays: number) {
    this.scripts = new ScriptRunner(redis);
    this.ttlMs = Math.max(1000, Math.round(retentionDays * 86_400_000));
  }

  /**
   * Moves a message to `status` unless it already is at a higher one; `fields` are written as
   * given (undefined skipped). With onlyIfExists, unknown ids are ignored (receipts of messages
   * sent from the phone). Returns false when nothing was written.
   */
  async apply(messageId: string, status: MessageStatus, fields: StatusFields = {}, opts: { at?: number; onlyIfExists?: boolean } = {}): Promise<boolean> {
    return (await this.write(messageId, status, RANK[status], fields, opts)) > 0;
  }

  /**
   * A late rejection (WhatsApp's error ack after the send): `failed` above `sent`, below
   * `delivered`. True when this call moved the message to failed (it was not delivered or read).
   */
  async reject(messageId: string, fields: StatusFields): Promise<boolean> {
    return (await this.write(messageId, 'failed', REJECTED_RANK, fields, { onlyIfExists: true })) === 2;
  }

  /**
   * apply(), and in the same call the record's campaign, recipient and type (a receipt's log row
   * needs them: one round trip instead of a second read). record is undefined when there is none.
   */
  async applyAndRead(messageId: string, status: MessageStatus, fields: StatusFields = {}, opts: { at?: number; onlyIfExists?: boolean } = {}): Promise<{ written: boolean; record?: RecordContext }> {
    const [written, campaignId, to, type] = (await this.scripts.run(APPLY_READ, [this.keys.message(messageId)], this.args(status, RANK[status], fields, opts))) as [number, string | null, string | null, string | null];
    if (!written) return { written: false };
    return { written: true, record: { campaignId: campaignId ?? undefined, to: to ?? undefined, type: type ?? undefined } };
  }

  private async write(messageId: string, status: MessageStatus, rank: number, fields: StatusFields, opts: { at?: number; onlyIfExists?: boolean }): Promise<number> {
    return Number(await this.scripts.run(APPLY, [this.keys.message(messageId)], this.args(status, rank, fields, opts)));
  }

  private args(status: MessageStatus, rank: number, fields: StatusFields, opts: { at?: number; onlyIfExists?: boolean }): Array<string | number> {
    const pairs: Array<string | number> = [];
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) pairs.push(k, v);
    const at = new Date(opts.at ?? Date.now()).toISOString();
    return [status, rank, STAMP[status], at, this.ttlMs, opts.onlyIfExists ? '1' : '0', ...pairs];
  }

  async get(messageId: string): Promise<MessageRecord | undefined> {
    const raw = await this.redis.hgetall(this.keys.message(messageId));
    return Object.keys(raw).length ? toRecord(messageId, raw) : undefined;
  }
}

function toRecord(messageId: string, raw: Record<string, string>): MessageRecord {
  const rec: Record<string, unknown> = { messageId };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'rank') continue;
    if (k === 'attempts') rec[k] = Number(v);
    else if (k === 'error' || k === 'lastError' || k === 'rejection' || k === 'hold') rec[k] = safeJson(v);
    else rec[k] = v;
  }
  return rec as unknown as MessageRecord;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
