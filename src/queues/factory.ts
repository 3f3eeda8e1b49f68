import Bull, { Queue, Job } from 'bull';

export type AnyQueue = Queue;
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { createRedis, redisTarget } from '../shared/redis';
import type { Logger } from '../shared/logger';
import { isAppError } from '../shared/errors';
import { QueueName, QUEUE_NAMES, JobDataByQueue, defaultJobOptions, backoffDelay, BackoffPolicy } from './contract';

export type AppQueue<N extends QueueName> = Queue<JobDataByQueue[N]>;
export type AppJob<N extends QueueName> = Job<JobDataByQueue[N]>;
export type Queues = { [N in QueueName]: AppQueue<N> };

/**
 * Retry decisions live here, once: a non-retryable AppError fails the job at once (-1), an error
 * carrying retryAfterMs (HTTP Retry-After, circuit pause) waits that long, anything else backs off
 * exponentially with jitter.
 */
function smartBackoff(attemptsMade: number, err: Error, options: BackoffPolicy | null): number {
  if (isAppError(err) && !err.retryable) return -1;
  const retryAfter = isAppError(err) ? err.retryAfterMs : undefined;
  if (retryAfter !== undefined) return Math.max(retryAfter, 1);
  return backoffDelay(attemptsMade, options ?? { baseMs: 1000, maxMs: 60_000 });
}

export interface QueueSet {
  queues: Queues;
  /** closes the queues (waiting for active jobs when consuming) and their Redis connections */
  close(): Promise<void>;
}

/**
 * Builds the three queues on shared connections: one command client and one subscriber for the
 * whole process, plus a blocking client per consuming queue (Bull's rule).
 */
export function createQueues(config: Config, logger: Logger): QueueSet {
  const owned: Redis[] = [];
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  const connect = (type: string) => {
    // Bull's connections queue commands while Redis is away and retry them when it returns, so a
    // job's completion is recorded late rather than lost. HTTP routes are guarded separately.
    const conn = createRedis(redisTarget(config), { name: `${config.QUEUE_PREFIX}-bull-${type}`, logger, forBull: true, autoPipelining: type === 'client' });
    owned.push(conn);
    return conn;
  };
  const createClient = (type: 'client' | 'subscriber' | 'bclient') => {
    if (type === 'client') return (client ??= connect('client'));
    if (type === 'subscriber') return (subscriber ??= connect('subscriber'));
    return connect('bclient');
  };
  const make = <N extends QueueName>(name: N): AppQueue<N> => {
    const queue = new Bull<JobDataByQueue[N]>(name, {
      prefix: config.QUEUE_PREFIX,
      createClient,
      defaultJobOptions: defaultJobOptions(name, config),
      settings: {
        backoffStrategies: { smart: smartBackoff },
        // A crashed worker's active jobs go back to wait after the lock expires; many stalls are
        // allowed so a crash loop never turns an accepted job into a failed one. A long-running job
        // (a campaign) is taken over by another worker within lock + stalled interval of a crash.
        lockDuration: config.QUEUE_LOCK_DURATION_MS,
        stalledInterval: config.QUEUE_STALLED_INTERVAL_MS,
        maxStalledCount: 100,
      },
    });
    queue.on('error', (err) => logger.warn('queue error', { queue: name, error: err.message }));
    return queue;
  };
  const queues = Object.fromEntries(QUEUE_NAMES.map((n) => [n, make(n)])) as unknown as Queues;
  return {
    queues,
    async close() {
      // Bull's close hangs (until our SHUTDOWN_TIMEOUT_MS forced the exit) when it starts while its
      // connections are reconnecting: `pm2 restart all` restarts the embedded Redis at the same
      // moment as the workers. Measured: 20.7 s with "shutdown timed out" before, under a second
      // after. So let connections that are on their way back get ready first (bounded: a Redis
      // that is really gone does not block the shutdown; Bull then closes at once).
      await settledReconnects(owned, RECONNECT_WAIT_MS);
      await Promise.allSettled(Object.values(queues).map((q) => q.close()));
      await Promise.allSettled(owned.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** longest a closing queue set waits for its reconnecting connections */
const RECONNECT_WAIT_MS = 3000;

/** Resolves once no connection is connecting or reconnecting any more, or after timeoutMs. */
function settledReconnects(connections: Redis[], timeoutMs: number): Promise<void> {
  const pending = connections.filter((c) => c.status === 'connecting' || c.status === 'reconnecting' || c.status === 'connect');
  if (!pending.length) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const ready = Promise.all(pending.map((c) => new Promise<void>((resolve) => {
    c.once('ready', () => resolve());
    c.once('end', () => resolve());
  })));
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  return Promise.race([ready.then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

export type JobCounts = Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'paused', number>;

export async function queueCounts(queue: Queue): Promise<JobCounts> {
  // Bull's default type list includes paused, in one MULTI round trip.
  const c = (await queue.getJobCounts()) as Partial<JobCounts>;
  return {
    waiting: c.waiting ?? 0,
    active: c.active ?? 0,
    completed: c.completed ?? 0,
    failed: c.failed ?? 0,
    delayed: c.delayed ?? 0,
    paused: c.paused ?? 0,
  };
}

export type JobHandler<N extends QueueName> = (job: AppJob<N>) => Promise<unknown>;

/** Handlers of named jobs (Bull's job name) carried by a queue besides its own jobs. */
export type NamedHandlers = Record<string, (job: Job) => Promise<unknown>>;

/**
 * Starts consuming a queue. The handler is the only thing later features replace. Bull keeps
 * retry semantics; errors are logged with the job id and attempt.
 */
export function consume<N extends QueueName>(queue: AppQueue<N>, concurrency: number, handler: JobHandler<N>, logger: Logger, named: NamedHandlers = {}): void {
  // '*' receives every job whatever its Bull name: named jobs riding on this queue (maintenance)
  // go to their own handler, the queue's own (unnamed) jobs to the feature's handler.
  queue.process('*', concurrency, async (job: AppJob<N>) => {
    const run = Object.hasOwn(named, job.name) ? named[job.name] : handler;
    try {
      return await run(job as AppJob<N> & Job);
    } catch (err) {
      const e = err as Error & { code?: string };
      // Expected waits (no webhook URL yet, instance reconnecting) are AppErrors with wait set: they
      // are retries by design and would otherwise flood the log once per job per minute.
      logger.log(isAppError(err) && err.wait ? 'debug' : 'warn', 'job failed', { queue: queue.name, jobId: job.id, attempt: job.attemptsMade + 1, error: e.message, code: e.code });
      throw err;
    }
  });
}
