/**
 * What operators and maintenance need to know about Bull's internals, kept here so nothing
 * outside src/queues/ depends on how Bull lays out its keys or emits its events.
 */
import type { AnyQueue, AppJob } from './factory';
import { queueCounts, JobCounts } from './factory';
import type { QueueName } from './contract';

export interface QueueSnapshot {
  counts: JobCounts;
  /** seconds since the next job in line became due; 0 when nothing waits */
  oldestWaitingSeconds: number;
}

/**
 * Counts plus the age of the job at the head of the line. Bull pushes new jobs on the left and
 * workers take from the right, so the right end (index -1) of `wait` (or `paused`) is the oldest.
 * Its age counts from when it was due: created + delay, or the start of its last attempt.
 */
export async function queueSnapshot(queue: AnyQueue, now = Date.now()): Promise<QueueSnapshot> {
  const [counts, headIds] = await Promise.all([
    queueCounts(queue),
    Promise.all([queue.client.lindex(queue.toKey('wait'), -1), queue.client.lindex(queue.toKey('paused'), -1)]),
  ]);
  let oldest = 0;
  for (const id of headIds) {
    if (!id) continue;
    const job = await queue.getJob(id);
    if (!job) continue;
    const due = Math.max(job.timestamp + (job.opts.delay ?? 0), job.processedOn ?? 0);
    oldest = Math.max(oldest, Math.max(0, now - due) / 1000);
  }
  return { counts, oldestWaitingSeconds: Math.round(oldest * 1000) / 1000 };
}

export type JobOutcome = 'completed' | 'retried' | 'failed';

/**
 * Calls `listener` once per attempt this process finished: completed, failed for good, or failed
 * and scheduled again (Bull sets finishedOn only when the job will not run again).
 */
export function onJobOutcome<N extends QueueName>(queue: AnyQueue, listener: (outcome: JobOutcome, job: AppJob<N>) => void): void {
  queue.on('completed', (job: AppJob<N>) => listener('completed', job));
  queue.on('failed', (job: AppJob<N>) => listener(job.finishedOn ? 'failed' : 'retried', job));
}

export interface CleanResult {
  completed: number;
  failed: number;
}

/**
 * Removes completed and failed jobs that finished more than `olderThanMs` ago, in batches so no
 * single Redis script runs long. Jobs waiting, active or delayed are never touched.
 */
export async function cleanFinished(queue: AnyQueue, olderThanMs: number, batch = 1000): Promise<CleanResult> {
  const result: CleanResult = { completed: 0, failed: 0 };
  for (const state of ['completed', 'failed'] as const) {
    for (;;) {
      const removed = await queue.clean(olderThanMs, state, batch);
      result[state] += removed.length;
      if (removed.length < batch) break;
    }
  }
  return result;
}
