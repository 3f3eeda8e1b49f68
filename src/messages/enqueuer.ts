import type { Redis } from 'ioredis';
import type { AppQueue } from '../queues/factory';
import type { MessageJobData } from '../queues/contract';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import { AppError } from '../shared/errors';
import { newMessageId } from '../whatsapp/ids';
import type { AddMessageRequest } from './request-schema';

export interface EnqueueResult {
  messageId: string;
  jobId: string;
  /** true when the idempotency key was seen before: the first message's ids, no new job */
  duplicate: boolean;
}

export interface EnqueuerOptions {
  idempotencyTtlSeconds: number;
  /** Bull attempts of a message job (messageJobAttempts) */
  attempts: number;
  /** most requests written in one Redis round trip */
  maxBatch?: number;
}

/**
 * Claims idempotency keys: SET NX EX per key, or the id already stored under it. One script for
 * the whole batch, so two requests with one key (in one batch or in two processes) get one id.
 * KEYS: idempotency keys  ARGV: ttlSeconds, then one candidate message id per key
 */
const CLAIM = `local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[i + 1], 'NX', 'EX', ARGV[1]) then out[i] = '' else out[i] = redis.call('GET', key) or '' end
end
return out`;
/** Frees keys whose job could not be written (so the caller's retry is not answered with a ghost). */
const RELEASE = `for i, key in ipairs(KEYS) do if redis.call('GET', key) == ARGV[i] then redis.call('DEL', key) end end return 0`;

interface Pending {
  request: AddMessageRequest;
  messageId: string;
  resolve(r: EnqueueResult): void;
  reject(err: unknown): void;
}

/**
 * The add-message write path. Requests that arrive together (same turn of the event loop) are
 * written together: one script for their idempotency keys and one MULTI for their jobs (Bull's
 * addBulk), so under load the cost per request is a fraction of a Redis round trip, and a lone
 * request still goes out at once (setImmediate, no timer). The message status is not written
 * here: until the worker takes the job, GET /messages/:id reads it from the job itself.
 */
export class MessageEnqueuer {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly scripts: ScriptRunner;

  constructor(private readonly queue: AppQueue<'message'>, redis: Redis, private readonly keys: RedisKeys, private readonly options: EnqueuerOptions) {
    this.scripts = new ScriptRunner(redis);
  }

  enqueue(request: AddMessageRequest): Promise<EnqueueResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, messageId: newMessageId(), resolve, reject });
      if (this.pending.length >= (this.options.maxBatch ?? 500)) this.flushNow();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flushNow());
      }
    });
  }

  private flushNow(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length) void this.write(batch);
  }

  private idemKey(r: AddMessageRequest): string {
    // scoped by instance: the same CRM row id may be used as a key on two numbers
    return this.keys.idempotency(`${r.instanceId}:${r.idempotencyKey}`);
  }

  private async write(batch: Pending[]): Promise<void> {
    const keyed = batch.filter((p) => p.request.idempotencyKey !== undefined);
    const claimed: Pending[] = [];
    const duplicates = new Set<Pending>();
    try {
      if (keyed.length) {
        const found = (await this.scripts.run(CLAIM, keyed.map((p) => this.idemKey(p.request)), [this.options.idempotencyTtlSeconds, ...keyed.map((p) => p.messageId)])) as string[];
        keyed.forEach((p, i) => {
          if (found[i]) {
            p.messageId = found[i];
            duplicates.add(p);
          } else claimed.push(p);
        });
      }
      const toAdd = duplicates.size ? batch.filter((p) => !duplicates.has(p)) : batch;
      // one job: a plain add (one EVALSHA) is cheaper than addBulk's MULTI/EXEC around it
      if (toAdd.length === 1) {
        const { data, opts } = this.job(toAdd[0]);
        await this.queue.add(data, opts);
      } else if (toAdd.length) await this.queue.addBulk(toAdd.map((p) => this.job(p)));
    } catch (err) {
      if (claimed.length) await this.scripts.run(RELEASE, claimed.map((p) => this.idemKey(p.request)), claimed.map((p) => p.messageId)).catch(() => undefined);
      const e = new AppError('redis_unavailable', `could not queue the message: ${(err as Error).message}`);
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) p.resolve({ messageId: p.messageId, jobId: p.messageId, duplicate: duplicates.has(p) });
  }

  private job(p: Pending): { data: MessageJobData; opts: Record<string, unknown> } {
    const r = p.request;
    const opts: Record<string, unknown> = { jobId: p.messageId, attempts: this.options.attempts, stackTraceLimit: 3 };
    if (r.delayMs > 0) opts.delay = r.delayMs;
    if (r.priority !== undefined) opts.priority = r.priority;
    const data: MessageJobData = { messageId: p.messageId, instanceId: r.instanceId, to: r.to, content: r.content, createdAt: Date.now() };
    if (r.checkNumber) data.checkNumber = true;
    if (r.force) data.force = true;
    return { data, opts };
  }
}
