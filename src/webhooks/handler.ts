import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { AppError, toAppError } from '../shared/errors';
import type { AppJob, AppQueue, JobHandler } from '../queues/factory';
import type { WebhookJobData } from '../queues/contract';
import type { EventFamily } from '../events/envelope';
import { routeEvent } from './routing';
import { deliveryStatus, DeliveryError, WebhookDeliverer } from './deliver';
import type { DeadLetterStore } from './dead-letters';

/** Job data as stored: `deadLettered` marks a job whose event was written to the dead-letter set. */
type StoredJobData = WebhookJobData & { deadLettered?: boolean };

export interface HandlerDeps {
  config: Pick<Config, 'SUPABASE_FUNCTIONS_URL' | 'WEBHOOK_URL_MESSAGES' | 'WEBHOOK_URL_STATUS' | 'WEBHOOK_URL_QR' | 'WEBHOOK_URL_CAMPAIGN' | 'WEBHOOK_UNROUTED_RETRY_MS'>;
  logger: Logger;
  deliverer: Pick<WebhookDeliverer, 'deliver'>;
  deadLetters: Pick<DeadLetterStore, 'add' | 'removeIf'>;
}

/**
 * Gives the attempt back: Bull counts one attempt per thrown error (moveToFailed increments
 * attemptsMade and persists it in the same MULTI that moves the job to delayed), so lowering the
 * in-memory count first leaves the stored count unchanged. The error carries retryAfterMs (the
 * queue's 'smart' backoff waits that long) and no stack, so nothing accumulates in the job hash.
 */
function waitWithoutAttempt(job: AppJob<'webhook'>, message: string, retryAfterMs: number): AppError {
  job.attemptsMade = Math.max(job.attemptsMade - 1, -1);
  const err = new AppError('transient', message, undefined, { retryable: true, retryAfterMs, wait: true });
  err.stack = undefined;
  return err;
}

/**
 * The webhook-worker's job handler: route, sign and post one event.
 * - No URL for the event's family: the job waits in Redis (delayed, re-checked every
 *   WEBHOOK_UNROUTED_RETRY_MS with jitter) without using up attempts; one warning per family.
 * - Retryable failure (network, timeout, 5xx, 429, 408): thrown, Bull retries with backoff.
 * - Final failure (other 4xx, or the last attempt): the event is written to the dead-letter set
 *   BEFORE the error is thrown and Bull marks the job failed; a crash in between re-runs the
 *   job, so an event can be dead-lettered twice (same id, one entry) but never lost.
 */
export function createWebhookHandler(deps: HandlerDeps): JobHandler<'webhook'> {
  const warned = new Set<EventFamily>();
  return async (job) => {
    const data = job.data as StoredJobData;
    const event = data?.event;
    if (!event || typeof event.id !== 'string' || typeof event.type !== 'string') {
      throw new AppError('bad_request', 'webhook job without a valid event', { jobId: job.id }, { retryable: false });
    }
    const route = routeEvent(event, deps.config);
    if (!route.url) {
      if (!warned.has(route.family)) {
        warned.add(route.family);
        deps.logger.warn('no webhook URL for this event family: events wait in Redis until one is configured', {
          family: route.family,
          set: route.family === 'campaign' ? 'WEBHOOK_URL_CAMPAIGN' : `SUPABASE_FUNCTIONS_URL or WEBHOOK_URL_${route.family.toUpperCase()}`,
        });
      }
      const base = deps.config.WEBHOOK_UNROUTED_RETRY_MS;
      throw waitWithoutAttempt(job, `no webhook URL for ${route.family} events (waiting)`, Math.round(base * (0.9 + Math.random() * 0.2)));
    }
    try {
      await deps.deliverer.deliver(route.url, event);
    } catch (err) {
      const e: DeliveryError = toAppError(err);
      const attempt = job.attemptsMade + 1;
      if (e.retryable && attempt < (job.opts.attempts ?? 1)) throw e;
      await deadLetter(job, data, route.url, e, attempt, deps);
      throw e;
    }
    if (data.deadLettered) {
      // a re-run after a crash between dead-lettering and failing: the event did arrive
      await deps.deadLetters.removeIf(event.id).catch(() => undefined);
    }
  };
}

async function deadLetter(job: AppJob<'webhook'>, data: StoredJobData, url: string, e: DeliveryError, attempt: number, deps: HandlerDeps): Promise<void> {
  const event = data.event;
  try {
    if (!data.deadLettered) await job.update({ ...data, deadLettered: true } as StoredJobData);
    await deps.deadLetters.add({
      id: event.id,
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

/**
 * Bull fails a job by itself after maxStalledCount stalls (a worker that keeps dying during this
 * delivery, e.g. out of memory): the handler never sees that failure, so dead-letter it here.
 */
export function deadLetterStalledJobs(queue: AppQueue<'webhook'>, deadLetters: Pick<DeadLetterStore, 'add'>, logger: Logger): void {
  queue.on('failed', (job: AppJob<'webhook'> | null, err: Error | undefined) => {
    const event = job?.data?.event;
    if (!job || !event?.id || !/stalled more than allowable limit/.test(err?.message ?? '')) return;
    deadLetters
      .add({ id: event.id, event, lastError: 'delivery interrupted too often (worker stopped while delivering)', attempts: job.attemptsMade, deadAt: new Date().toISOString() })
      .then(() => logger.warn('webhook dead-lettered after repeated stalls', { eventId: event.id }))
      .catch((e: Error) => logger.error('could not dead-letter a stalled webhook job', { eventId: event.id, error: e.message }));
  });
}
