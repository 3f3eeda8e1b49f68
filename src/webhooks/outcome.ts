import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { AppJob } from '../queues/factory';
import type { WebhookJobData } from '../queues/contract';
import { deliveryStatus, DeliveryError } from './deliver';
import type { DeadLetterStore } from './dead-letters';

/** Job data as stored: `deadLettered` marks a job whose event was written to the dead-letter set. */
export type StoredJobData = WebhookJobData & { deadLettered?: boolean; held?: boolean };

/**
 * Gives the attempt back: Bull counts one attempt per thrown error (moveToFailed increments
 * attemptsMade and persists it in the same MULTI that moves the job to delayed), so lowering the
 * in-memory count first leaves the stored count unchanged. The error carries retryAfterMs (the
 * queue's 'smart' backoff waits that long) and no stack, so nothing accumulates in the job hash.
 */
export function waitWithoutAttempt(job: AppJob<'webhook'>, message: string, retryAfterMs: number): AppError {
  job.attemptsMade = Math.max(job.attemptsMade - 1, -1);
  const err = new AppError('transient', message, undefined, { retryable: true, retryAfterMs: Math.max(retryAfterMs, 1), wait: true });
  err.stack = undefined;
  return err;
}

/**
 * Writes the dead letter BEFORE the caller throws and Bull marks the job failed; a crash in
 * between re-runs the job, so an event can be dead-lettered twice (one entry) but never lost.
 * The entry's id is the job's: the event id, or `${eventId}@${endpointId}` for one of several URLs.
 */
export async function deadLetter(job: AppJob<'webhook'>, url: string, e: DeliveryError, attempt: number, deps: { deadLetters: Pick<DeadLetterStore, 'add'>; logger: Logger }): Promise<void> {
  const data = job.data as StoredJobData;
  const event = data.event;
  try {
    if (!data.deadLettered) await job.update({ ...data, deadLettered: true } as StoredJobData);
    await deps.deadLetters.add({
      id: String(job.id),
      event,
      url,
      ...(deliveryStatus(e) ? { lastStatus: deliveryStatus(e) } : {}),
      lastError: e.message,
      attempts: attempt,
      deadAt: new Date().toISOString(),
    });
  } catch (storeErr) {
    // Not recorded: the job must not reach Bull's failed set unrecorded; try again later.
    deps.logger.error('could not write dead letter; retrying the event later', { eventId: event.id, error: (storeErr as Error).message });
    throw waitWithoutAttempt(job, `dead-letter write failed: ${(storeErr as Error).message}`, 5000);
  }
  deps.logger.warn('webhook dead-lettered', { eventId: event.id, type: event.type, instanceId: event.instanceId, url, attempts: attempt, status: deliveryStatus(e), error: e.message });
}
