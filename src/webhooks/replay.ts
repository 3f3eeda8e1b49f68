import type { AppQueue } from '../queues/factory';
import type { AnyEvent } from '../events/envelope';
import type { DeadLetterStore } from './dead-letters';

export interface ReplayResult {
  /** re-queued: a new job with the same event id (same webhook-id header) */
  replayed: string[];
  /** a job for that event was already waiting, delayed or active: left alone, entry removed */
  alreadyQueued: string[];
  notFound: string[];
}

const CHUNK = 100;

/**
 * Puts an event back on the webhook queue under its own id (or, for one of several URLs of an
 * event, under `${eventId}@${endpointId}` with that one URL). Bull ignores an add whose jobId
 * exists, so a finished job of the same id (kept a while by removeOnComplete/removeOnFail) is
 * removed first. Returns false when a live job already carries the event.
 */
export async function requeueEvent(queue: AppQueue<'webhook'>, event: AnyEvent, jobId: string = event.id, url?: string): Promise<boolean> {
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'stuck') return false;
    await existing.remove();
  }
  await queue.add(jobId !== event.id && url ? { event, url } : { event }, { jobId });
  return true;
}

/**
 * Re-queues dead letters (the given ids, or all of them) and removes each from the set only
 * after its job is in Redis, and only if the entry is unchanged (an event that fails again
 * meanwhile keeps its new entry). A crash midway leaves entries to replay again, never a loss.
 */
export async function replayDeadLetters(store: DeadLetterStore, queue: AppQueue<'webhook'>, ids?: string[]): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], alreadyQueued: [], notFound: [] };
  // snapshot first: entries added while replaying (events failing again) are not chased
  const targets = ids ? [...new Set(ids)] : await store.allIds();
  for (let i = 0; i < targets.length; i += CHUNK) {
    const raw = await store.getRaw(targets.slice(i, i + CHUNK));
    await Promise.all(
      raw.map(async ([id, json]) => {
        if (json === null) return void result.notFound.push(id);
        const { event, url } = JSON.parse(json) as { event: AnyEvent; url?: string };
        const added = await requeueEvent(queue, event, id, url);
        await store.removeIf(id, json);
        (added ? result.replayed : result.alreadyQueued).push(id);
      }),
    );
  }
  return result;
}
