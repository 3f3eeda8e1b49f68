import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { AppError, isAppError } from '../shared/errors';
import { backoffDelay, MessageJobData } from '../queues/contract';
import type { AppJob, JobHandler } from '../queues/factory';
import type { EventPublisher } from '../queues/publisher';
import { isPaced } from '../pacing/pacer';
import { MAX_PACED_WAITS } from './job-options';
import type { SendPipeline } from './send-pipeline';

export interface MessageHandlerDeps {
  config: Pick<Config, 'MESSAGE_ATTEMPTS' | 'MESSAGE_BACKOFF_MS' | 'NOT_CONNECTED_RETRIES' | 'NOT_CONNECTED_DELAY_MS' | 'CIRCUIT_MAX_WAITS' | 'PACING_MAX_WAIT_MS' | 'RESTRICTION_MAX_WAITS' | 'RESTRICTION_RECHECK_MS' | 'BUDGET_MAX_WAITS' | 'BUDGET_RECHECK_MS'>;
  pipeline: SendPipeline;
  events: Pick<EventPublisher, 'publishAndWait'>;
  logger: Logger;
}

type WaitKind = 'notConnectedWaits' | 'circuitWaits' | 'pacedWaits' | 'restrictedWaits' | 'budgetWaits';

/**
 * message-worker's job: one message through the send pipeline. Waits (instance not connected,
 * circuit open, pacing booked ahead, a new chat while WhatsApp restricts the number, a budget rule
 * holding it: the rule and its end are in the status record) delay the job without counting as failures, each up to its
 * own cap; transient failures retry with exponential backoff up to MESSAGE_ATTEMPTS; invalid
 * recipient, invalid content and unknown instance fail at once. Each final outcome updates the
 * status and becomes one 'message.sent' or 'message.failed' event (stable event ids, so a retried
 * job never reports twice).
 */
export function messageJobHandler(deps: MessageHandlerDeps): JobHandler<'message'> {
  const { config, pipeline, events } = deps;
  const policy = { baseMs: config.MESSAGE_BACKOFF_MS, maxMs: 5 * 60_000 };
  return async (job) => {
    const d = job.data;
    const held = (d.circuitWaits ?? 0) + (d.pacedWaits ?? 0) + (d.restrictedWaits ?? 0) + (d.budgetWaits ?? 0);
    const waits = (d.notConnectedWaits ?? 0) + held;
    // circuit, pacing and restriction waits never reach WhatsApp; not-connected ones did try
    const attempt = job.attemptsMade + 1 - held;
    const failures = job.attemptsMade - waits;
    try {
      const r = await pipeline.send({
        instanceId: d.instanceId,
        to: d.to,
        content: d.content,
        messageId: d.messageId,
        priority: 'single',
        maxWaitMs: config.PACING_MAX_WAIT_MS,
        attempt,
        queuedAt: d.createdAt,
        checkNumber: d.checkNumber === true,
        force: d.force === true,
      });
      await events.publishAndWait({
        id: `${d.messageId}-sent`,
        type: 'message.sent',
        instanceId: d.instanceId,
        data: { messageId: d.messageId, to: d.to, jid: r.jid, waMessageId: r.waMessageId, type: d.content.type, attempts: attempt, sentAt: new Date().toISOString() },
      });
      return { waMessageId: r.waMessageId };
    } catch (err) {
      const e = isAppError(err) ? err : new AppError('transient', (err as Error).message);
      const lastBullAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!lastBullAttempt) {
        if (e.code === 'circuit_open' && (d.circuitWaits ?? 0) < config.CIRCUIT_MAX_WAITS) throw await wait(job, 'circuitWaits', e);
        if (isPaced(e) && (d.pacedWaits ?? 0) < MAX_PACED_WAITS) throw await wait(job, 'pacedWaits', e);
        if (e.code === 'restricted' && (d.restrictedWaits ?? 0) < config.RESTRICTION_MAX_WAITS) {
          // looked at again at the restriction's end, or every RESTRICTION_RECHECK_MS (it may be lifted early)
          throw await wait(job, 'restrictedWaits', e.with({ retryAfterMs: Math.min(e.retryAfterMs ?? config.RESTRICTION_RECHECK_MS, config.RESTRICTION_RECHECK_MS) }));
        }
        if (e.code === 'budget_held' && (d.budgetWaits ?? 0) < config.BUDGET_MAX_WAITS) {
          // at the hold's end, or every BUDGET_RECHECK_MS (settings and health may change meanwhile)
          throw await wait(job, 'budgetWaits', e.with({ retryAfterMs: Math.min(e.retryAfterMs ?? config.BUDGET_RECHECK_MS, config.BUDGET_RECHECK_MS) }));
        }
        if (e.code === 'instance_not_connected' && (d.notConnectedWaits ?? 0) < config.NOT_CONNECTED_RETRIES) {
          throw await wait(job, 'notConnectedWaits', e.with({ retryAfterMs: config.NOT_CONNECTED_DELAY_MS }));
        }
        const waitCode = e.code === 'circuit_open' || e.code === 'instance_not_connected' || e.code === 'restricted' || e.code === 'budget_held' || isPaced(e);
        if (e.retryable && !waitCode && failures + 1 < config.MESSAGE_ATTEMPTS) {
          throw e.with({ retryAfterMs: e.retryAfterMs ?? backoffDelay(failures + 1, policy) });
        }
      }
      const final = e.code === 'restricted' ? restrictedTooLong(e, d.restrictedWaits ?? 0, 'RESTRICTION_MAX_WAITS') : e.code === 'budget_held' ? restrictedTooLong(e, d.budgetWaits ?? 0, 'BUDGET_MAX_WAITS') : e;
      await fail(d, final, attempt);
      throw new AppError(final.code, final.message, final.details, { retryable: false });
    }
  };

  async function fail(d: MessageJobData, e: AppError, attempt: number): Promise<void> {
    const error = { code: e.code, message: e.message };
    await pipeline.statuses.apply(d.messageId, 'failed', { error: JSON.stringify(error), instanceId: d.instanceId, to: d.to, type: d.content.type, attempts: attempt });
    await events.publishAndWait({
      id: `${d.messageId}-failed`,
      type: 'message.failed',
      instanceId: d.instanceId,
      data: { messageId: d.messageId, to: d.to, type: d.content.type, error, attempts: attempt, failedAt: new Date().toISOString() },
    });
    deps.logger.warn('message failed', { messageId: d.messageId, instanceId: d.instanceId, code: e.code, error: e.message, attempts: attempt });
  }
}

/** A message that waited its most times for a restriction or a budget rule to end: final, and says which rule and why. */
function restrictedTooLong(e: AppError, waits: number, limit: string): AppError {
  return new AppError(e.code, `${e.message.replace(/, so the message waits$/, '')}; gave up after ${waits} waits (${limit})`, e.details, { retryable: false });
}

/** Counts a wait in job data (not a failure) and returns the error that delays the job, marked
 * as a wait: logged at debug level, not as a failed job. */
async function wait(job: AppJob<'message'>, kind: WaitKind, e: AppError): Promise<AppError> {
  await job.update({ ...job.data, [kind]: (job.data[kind] ?? 0) + 1 });
  return e.with({ wait: true });
}
