import type { Queue } from 'bull';
import type { Redis } from 'ioredis';
import { ScriptRunner } from '../shared/script-runner';
import { TickBatch } from '../shared/tick-batch';

/**
 * Bull's addJob (node_modules/bull/lib/commands/addJob-6.lua, bull 4.16.5) for a batch of plain
 * jobs (custom id, no delay, no priority, FIFO, no debounce): the same keys and the same writes per
 * job, in one script call instead of one each.
 *   INCR id; EXISTS job (a duplicate id publishes duplicated@token and is skipped);
 *   HMSET name data opts timestamp delay priority; LPUSH to wait (or paused while meta-paused
 *   exists: includes/getTargetQueueList.lua); PUBLISH waiting@token.
 * KEYS: wait, paused, meta-paused, id   ARGV: key prefix, token, then jobId, data, opts, timestamp per job
 * Returns 1 (added) or 0 (duplicate id) per job.
 */
const ADD_JOBS = `
local rcall = redis.call
local target = KEYS[1]
if rcall("EXISTS", KEYS[3]) == 1 then target = KEYS[2] end
local out = {}
for i = 3, #ARGV, 4 do
  rcall("INCR", KEYS[4])
  local jobId = ARGV[i]
  local jobIdKey = ARGV[1] .. jobId
  if rcall("EXISTS", jobIdKey) == 1 then
    rcall("PUBLISH", ARGV[1] .. "duplicated@" .. ARGV[2], jobId)
    out[#out + 1] = 0
  else
    rcall("HMSET", jobIdKey, "name", "__default__", "data", ARGV[i + 1], "opts", ARGV[i + 2], "timestamp", ARGV[i + 3], "delay", 0, "priority", 0)
    rcall("LPUSH", target, jobId)
    rcall("PUBLISH", KEYS[1] .. "ing@" .. ARGV[2], jobId)
    out[#out + 1] = 1
  end
end
return out`;

/** What Bull keeps on a queue object that its typings do not show (lib/queue.js). */
interface BullInternals {
  keys: Record<string, string>;
  token: string;
  client: Redis;
  defaultJobOptions?: Record<string, unknown>;
}

/** Options a batched job may carry besides its id: the ones Bull stores as given (no delay, priority, lifo, repeat). */
export interface PlainJobOptions {
  attempts?: number;
  stackTraceLimit?: number;
}

/** One job of addBatch. */
export interface BatchJob<T> {
  data: T;
  jobId: string;
  opts?: PlainJobOptions;
}

interface Pending {
  jobId: string;
  data: string;
  opts?: PlainJobOptions;
  timestamp: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Adds plain jobs (a custom jobId, the queue's default options) written together when they are
 * added in the same turn of the event loop: one Lua call on Bull's own connection for the batch,
 * each job stored exactly as queue.add would store it (the opts JSON is Bull's: the defaults, jobId,
 * delay 0, timestamp), so workers, Bull Board and the duplicate-id rule see no difference.
 * Measured (issue 17): queue.add's per-job work (cloneDeep of the options, Job, toData, msgpack)
 * and one script call per job were a tenth of whatsapp-server's CPU with receipts flowing.
 * A queue whose default options Bull would rewrite (a numeric backoff, no attempts) goes through
 * queue.add instead.
 */
export class JobBatchWriter<T> {
  private readonly batch: TickBatch<Pending>;
  private readonly scripts?: ScriptRunner;
  private readonly internals?: BullInternals;
  private ready?: Promise<unknown>;

  constructor(private readonly queue: Queue<T>, maxBatch = 200) {
    this.batch = new TickBatch((batch) => this.write(batch), maxBatch);
    const q = queue as unknown as Partial<BullInternals>;
    const d = q.defaultJobOptions ?? {};
    const plain = typeof d.attempts === 'number' && Number.isInteger(d.attempts) && (d.backoff === undefined || (typeof d.backoff === 'object' && d.backoff !== null)) && !('delay' in d) && !('priority' in d) && !('lifo' in d) && !('timestamp' in d) && !('jobId' in d) && !('repeat' in d);
    if (plain && q.keys && typeof q.token === 'string' && q.client) {
      this.internals = q as BullInternals;
      this.scripts = new ScriptRunner(q.client);
    }
  }

  /**
   * Jobs the caller has already gathered (add-message's batch of one turn, which it bounds), written
   * at once in one script call, so they are all written or none is; resolves once they are in Redis
   * (an id already there is left as it is, as with queue.add).
   */
  async addBatch(jobs: Array<BatchJob<T>>): Promise<void> {
    if (!jobs.length) return;
    if (!this.internals) {
      await this.queue.addBulk(jobs.map((j) => ({ data: j.data, opts: { ...j.opts, jobId: j.jobId } })));
      return;
    }
    const timestamp = Date.now();
    await this.run(jobs.map((j) => ({ jobId: j.jobId, data: JSON.stringify(j.data), opts: j.opts, timestamp })));
  }

  /** Resolves once the job is in Redis (or was there already under this id); rejects as queue.add would. */
  add(data: T, jobId: string): Promise<void> {
    if (!this.internals) return this.queue.add(data, { jobId }).then(() => undefined);
    return new Promise((resolve, reject) => {
      this.batch.push({ jobId, data: JSON.stringify(data), timestamp: Date.now(), resolve, reject });
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await this.run(batch);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private async run(batch: Array<Pick<Pending, 'jobId' | 'data' | 'opts' | 'timestamp'>>): Promise<void> {
    const q = this.internals!;
    const defaults = q.defaultJobOptions ?? {};
    const argv: Array<string | number> = [q.keys[''], q.token];
    // Bull's stored opts (queue.js add/addBulk, job.js setDefaultOpts): the queue's defaults, the
    // job's own options and its id, then delay and timestamp
    for (const p of batch) argv.push(p.jobId, p.data, JSON.stringify({ ...defaults, ...p.opts, jobId: p.jobId, delay: 0, timestamp: p.timestamp }), p.timestamp);
    // Bull's own readiness first, as queue.add waits for it
    await (this.ready ??= this.queue.isReady());
    await this.scripts!.run(ADD_JOBS, [q.keys.wait, q.keys.paused, q.keys['meta-paused'], q.keys.id], argv);
  }
}
