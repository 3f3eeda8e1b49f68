import type { Redis } from 'ioredis';
import type { AppQueue } from '../queues/factory';
import type { MessageJobData } from '../queues/contract';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import { TickBatch } from '../shared/tick-batch';
import { JobBatchWriter } from '../queues/job-batch';
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

/** lines of a failed job's stack trace Bull keeps */
const STACK_TRACE_LIMIT = 3;

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
  private readonly batch: TickBatch<Pending>;
  private readonly scripts: ScriptRunner;
  private readonly writer: JobBatchWriter<MessageJobData>;

  constructor(private readonly queue: AppQueue<'message'>, redis: Redis, private readonly keys: RedisKeys, private readonly options: EnqueuerOptions) {
    this.scripts = new ScriptRunner(redis);
    this.writer = new JobBatchWriter(queue);
    this.batch = new TickBatch((batch) => this.write(batch), options.maxBatch ?? 500);
  }

  enqueue(request: AddMessageRequest): Promise<EnqueueResult> {
    return new Promise((resolve, reject) => {
      this.batch.push({ request, messageId: newMessageId(), resolve, reject });
    });
  }

  private idemKey(r: AddMessageRequest): string {
    // scoped by instance: the same CRM row id may be used as a key on two numbers
    return this.keys.idempotency(`${r.instanceId}:${r.idempotencyKey}`);
  }

  private async write(batch: Pending[]): Promise<void> {
    const keyed = batch.filter((p) => p.request.idempotencyKey !== undefined);
    const claimed = new Set<Pending>();
    const duplicates = new Set<Pending>();
    try {
      if (keyed.length) {
        const found = (await this.scripts.run(CLAIM, keyed.map((p) => this.idemKey(p.request)), [this.options.idempotencyTtlSeconds, ...keyed.map((p) => p.messageId)])) as string[];
        keyed.forEach((p, i) => {
          if (found[i]) {
            p.messageId = found[i];
            duplicates.add(p);
          } else claimed.add(p);
        });
      }
    } catch (err) {
      return this.fail(batch, [], err);
    }
    const toAdd = duplicates.size ? batch.filter((p) => !duplicates.has(p)) : batch;
    // plain jobs (no delay, no priority: nearly all) in one script call that stores them as Bull
    // would (queues/job-batch.ts; measured, issue 17: Bull's per-job building was a tenth of the
    // route's CPU); scheduled or prioritised ones through Bull itself. Each group succeeds or fails
    // on its own: a written job is never answered as failed (its caller's retry would send twice).
    const plain = toAdd.filter((p) => !(p.request.delayMs > 0) && p.request.priority === undefined);
    const other = plain.length === toAdd.length ? [] : toAdd.filter((p) => !plain.includes(p));
    const failed: Array<{ group: Pending[]; err: unknown }> = [];
    await Promise.all(
      [plain, other].filter((g) => g.length).map((group) =>
        this.add(group, group === plain).catch((err: unknown) => void failed.push({ group, err })),
      ),
    );
    for (const f of failed) await this.fail(f.group, f.group.filter((p) => claimed.has(p)), f.err);
    const lost = new Set(failed.flatMap((f) => f.group));
    for (const p of batch) if (!lost.has(p)) p.resolve({ messageId: p.messageId, jobId: p.messageId, duplicate: duplicates.has(p) });
  }

  private async add(group: Pending[], plain: boolean): Promise<void> {
    if (plain) {
      await this.writer.addBatch(group.map((p) => ({ data: this.job(p).data, jobId: p.messageId, opts: { attempts: this.options.attempts, stackTraceLimit: STACK_TRACE_LIMIT } })));
    } else if (group.length === 1) {
      // one job: a plain add (one EVALSHA) is cheaper than addBulk's MULTI/EXEC around it
      const { data, opts } = this.job(group[0]);
      await this.queue.add(data, opts);
    } else await this.queue.addBulk(group.map((p) => this.job(p)));
  }

  /** Frees the idempotency keys claimed for jobs that could not be written, and answers them 503. */
  private async fail(group: Pending[], claimed: Pending[], err: unknown): Promise<void> {
    if (claimed.length) await this.scripts.run(RELEASE, claimed.map((p) => this.idemKey(p.request)), claimed.map((p) => p.messageId)).catch(() => undefined);
    const e = new AppError('redis_unavailable', `could not queue the message: ${(err as Error).message}`);
    for (const p of group) p.reject(e);
  }

  private job(p: Pending): { data: MessageJobData; opts: Record<string, unknown> } {
    const r = p.request;
    const opts: Record<string, unknown> = { jobId: p.messageId, attempts: this.options.attempts, stackTraceLimit: STACK_TRACE_LIMIT };
    if (r.delayMs > 0) opts.delay = r.delayMs;
    if (r.priority !== undefined) opts.priority = r.priority;
    const data: MessageJobData = { messageId: p.messageId, instanceId: r.instanceId, to: r.to, content: r.content, createdAt: Date.now() };
    if (r.checkNumber) data.checkNumber = true;
    if (r.force) data.force = true;
    return { data, opts };
  }
}
