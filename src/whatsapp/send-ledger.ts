import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { SendResult } from '../channels/content';
import { ScriptRunner } from '../shared/script-runner';
import type { WriteFence } from './host/fence';
import { CLAIM_FENCED, ClaimReply } from './send-ledger-scripts';

/** epoch: the sending shard's lease epoch (sharded servers), so a later owner can tell an abandoned marker */
type LedgerEntry = { state: 'pending'; instanceId: string; token: string; at: number; epoch?: number } | { state: 'sent'; instanceId: string; result: SendResult; at: number };

export interface LedgerOutcome {
  result: SendResult;
  /** true when this id had already been sent: the first result is returned, nothing is sent again */
  duplicate: boolean;
}

export interface SendLedgerOptions {
  /** how long a sent id is remembered */
  ttlSeconds: number;
  /** how long an in-flight marker lives if the process dies mid-send (longer than any send) */
  pendingTtlMs?: number;
  /** how long a concurrent duplicate waits for the first send to finish before a retryable 503 */
  waitMs?: number;
  /** how long a caller waits for one send before a retryable 504 (the send itself goes on) */
  sendTimeoutMs?: number;
}

// Deletes the in-flight marker only if it is still ours (a failed send frees the id for a retry).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The idempotent internal send (DESIGN.md): each message id handed to WhatsApp is recorded
 * (keys.sendRecord, SET NX) and a repeated id is answered with the first result instead of a
 * second send. The NX marker is written before sending, so two concurrent requests with one id
 * never both send: the second waits for the first one's result.
 */
export class SendLedger {
  /**
   * Sent results whose record could not be written (Redis away): answered from memory and written
   * in the background until Redis takes them. Only whatsapp-server sends, so while it lives a retry
   * of such an id still finds its first result instead of sending a second copy.
   */
  private readonly unrecorded = new Map<string, { instanceId: string; result: SendResult }>();
  private readonly pendingTtlMs: number;
  private readonly waitMs: number;
  private readonly sendTimeoutMs: number;
  private readonly scripts: ScriptRunner;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly logger: Logger, private readonly options: SendLedgerOptions) {
    this.scripts = new ScriptRunner(redis);
    this.pendingTtlMs = options.pendingTtlMs ?? 5 * 60_000;
    this.waitMs = options.waitMs ?? 15_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 120_000;
  }

  /**
   * fence (sharded servers): the id is taken only while this shard's lease epoch is the instance's
   * current one, checked in the same Lua call; otherwise AppError not_owner (a first result is still
   * answered as a duplicate). A pending marker left by an earlier epoch (its shard died mid-send) is
   * taken over: that shard can no longer send, so the message goes out again under the same id.
   */
  async once(instanceId: string, messageId: string, send: () => Promise<SendResult>, fence?: WriteFence): Promise<LedgerOutcome> {
    const key = this.keys.sendRecord(messageId);
    const remembered = this.unrecorded.get(key);
    if (remembered) return { result: this.sameInstance(remembered, instanceId, messageId), duplicate: true };
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const marker = JSON.stringify({ state: 'pending', instanceId, token: randomUUID(), at: Date.now(), ...(fence ? { epoch: fence.epoch } : {}) } satisfies LedgerEntry);
      const claim = await this.claim(key, marker, fence);
      if (claim.taken) {
        if (claim.abandoned) this.logger.warn('send ledger: took over a send an earlier owner of the instance left unfinished', { instanceId, messageId });
        return { result: await this.sendOwned(key, marker, instanceId, send), duplicate: false };
      }
      const existing = parse(claim.current);
      if (claim.notOwner && existing?.state !== 'sent') {
        throw new AppError('not_owner', `this shard does not hold instance ${instanceId} (epoch ${fence?.epoch ?? 0} is not current)`, { instanceId }, { retryAfterMs: 500 });
      }
      if (existing?.state === 'sent') return { result: this.sameInstance(existing, instanceId, messageId), duplicate: true };
      if (existing && Date.now() >= deadline) {
        // Not a failure of the instance: the circuit breaker must not count it (details.inProgress).
        throw new AppError('transient', `a send with message id ${messageId} is still in progress; retry later`, { inProgress: true }, { retryAfterMs: 2000 });
      }
      // No entry: the first attempt failed and freed the id between our SET and GET; take it now.
      if (existing) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SET NX of the in-flight marker; with a fence, the Lua claim (send-ledger-scripts.ts). */
  private async claim(key: string, marker: string, fence?: WriteFence): Promise<{ taken: boolean; current: string | null; notOwner?: boolean; abandoned?: boolean }> {
    if (!fence) {
      if ((await this.redis.set(key, marker, 'PX', this.pendingTtlMs, 'NX')) === 'OK') return { taken: true, current: null };
      return { taken: false, current: await this.redis.get(key) };
    }
    const [code, current] = (await this.scripts.run(CLAIM_FENCED, [key, fence.epochKey], [marker, this.pendingTtlMs, fence.epoch])) as ClaimReply;
    return { taken: code === 1 || code === 3, abandoned: code === 3, notOwner: code === 2, current: current ?? null };
  }

  /** The first result of a sent id, if any. */
  async lookup(messageId: string): Promise<SendResult | undefined> {
    const entry = parse(await this.redis.get(this.keys.sendRecord(messageId)));
    return entry?.state === 'sent' ? entry.result : undefined;
  }

  /**
   * Runs the send; success is recorded, failure frees the id. Past sendTimeoutMs the caller gets a
   * retryable timeout while the send goes on: its outcome is still recorded (or the id freed) when
   * it settles, so a retry meanwhile waits for it instead of sending a second copy.
   */
  private sendOwned(key: string, marker: string, instanceId: string, send: () => Promise<SendResult>): Promise<SendResult> {
    const attempt = Promise.resolve()
      .then(send)
      .then(
        (result) => this.record(key, instanceId, result),
        async (err: unknown) => {
          await this.redis.eval(RELEASE, 1, key, marker).catch((e: Error) => this.logger.warn('send ledger release failed', { key, error: e.message }));
          throw err;
        },
      );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('timeout', `send did not finish within ${this.sendTimeoutMs} ms; retry with the same messageId`)), this.sendTimeoutMs);
    });
    attempt.catch(() => undefined); // settled later than the deadline: already answered
    return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
  }

  private sameInstance(entry: { instanceId: string; result: SendResult }, instanceId: string, messageId: string): SendResult {
    if (entry.instanceId !== instanceId) throw new AppError('conflict', `message id ${messageId} was already sent by instance ${entry.instanceId}`);
    return entry.result;
  }

  private async record(key: string, instanceId: string, result: SendResult): Promise<SendResult> {
    const entry = JSON.stringify({ state: 'sent', instanceId, result, at: Date.now() } satisfies LedgerEntry);
    try {
      await this.redis.set(key, entry, 'EX', this.options.ttlSeconds);
    } catch (err) {
      // The message is out: answer success, remember it here and keep writing until Redis is back.
      this.logger.warn('send ledger could not record a sent message; keeping it in memory until Redis takes it', { key, error: (err as Error).message });
      if (this.unrecorded.size >= MAX_UNRECORDED) this.unrecorded.delete(this.unrecorded.keys().next().value as string);
      this.unrecorded.set(key, { instanceId, result });
      void this.recordLater(key, entry);
    }
    return result;
  }

  private async recordLater(key: string, entry: string): Promise<void> {
    for (let delay = 250; this.unrecorded.has(key); delay = Math.min(delay * 2, 5000)) {
      await new Promise((r) => setTimeout(r, delay).unref());
      try {
        await this.redis.set(key, entry, 'EX', this.options.ttlSeconds);
        this.unrecorded.delete(key);
      } catch {
        // still away: try again
      }
    }
  }
}

/** Results kept in memory while Redis is away (bounded; the oldest goes first). */
const MAX_UNRECORDED = 50_000;

/** Sent ids are kept as long as message statuses, at least as long as idempotency keys. */
export function ledgerTtlSeconds(config: Pick<Config, 'IDEMPOTENCY_TTL_SECONDS' | 'MESSAGE_RETENTION_DAYS'>): number {
  return Math.max(config.IDEMPOTENCY_TTL_SECONDS, Math.round(config.MESSAGE_RETENTION_DAYS * 86400));
}

function parse(raw: string | null): LedgerEntry | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LedgerEntry;
  } catch {
    return undefined;
  }
}
