import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { toAppError } from '../shared/errors';
import type { AppJob } from '../queues/factory';
import { deliveryStatus, DeliveryError, WebhookDeliverer } from './deliver';
import type { DeadLetterStore } from './dead-letters';
import { endpointOf } from './endpoints/endpoint';
import type { WebhookEndpoints } from './endpoints/endpoints';
import { deadLetter, StoredJobData, waitWithoutAttempt } from './outcome';
import { scheduledDelay } from './schedule';

export interface AttemptDeps {
  config: Pick<Config, 'WEBHOOK_RETRY_SCHEDULE'>;
  logger: Logger;
  deliverer: Pick<WebhookDeliverer, 'deliver'>;
  deadLetters: Pick<DeadLetterStore, 'add' | 'removeIf'>;
  /** endpoint health and held deliveries; absent: every URL is always tried */
  endpoints?: WebhookEndpoints;
}

/** The job's place in its chat's line (WEBHOOK_ORDER=chat); no-ops when not ordered. */
export interface OrderHooks {
  /** this event's next attempt is not before atMs (those behind it wait as long) */
  nextAttemptAt(atMs: number): Promise<void>;
  /** delivered or dead-lettered: the next event of the chat may go */
  done(): Promise<void>;
}

const ALWAYS = { go: true as const, probe: false, failures: 0 };

/**
 * One delivery attempt of a job to one URL:
 * - the endpoint disabled (410), paused (circuit open) or over its rate: the job waits without
 *   using an attempt, in the endpoint's backlog (woken when it comes back);
 * - 2xx: done; a 410: the endpoint is disabled and this event waits with the others;
 * - network, timeout, 5xx, 408, 429: the next attempt per WEBHOOK_RETRY_SCHEDULE (a Retry-After
 *   wins), unless the failure opened the endpoint's circuit: then it waits without an attempt;
 * - any other answer, or the schedule used up: dead-lettered (outcome.ts), the job fails.
 */
export async function attemptDelivery(job: AppJob<'webhook'>, url: string, deps: AttemptDeps, order: OrderHooks): Promise<void> {
  const data = job.data as StoredJobData;
  const ep = endpointOf(url);
  const endpoints = deps.endpoints;
  const admission = endpoints ? await endpoints.gate.admit(ep) : ALWAYS;
  if (!admission.go) {
    const waitMs = endpoints!.heldMs(admission.reason, admission.waitMs);
    await endpoints!.hold(ep, job);
    if (admission.reason === 'paused') endpoints!.waker.probeLater(ep.id, admission.waitMs);
    await order.nextAttemptAt(Date.now() + waitMs);
    throw waitWithoutAttempt(job, `endpoint ${admission.reason}: ${url} (waiting)`, waitMs);
  }
  let ms: number;
  try {
    ms = (await deps.deliverer.deliver(url, data.event)).ms;
  } catch (err) {
    throw await failed(job, url, toAppError(err), admission, deps, order);
  }
  await endpoints?.gate.succeeded(ep, admission, ms);
  await endpoints?.release(ep, job);
  // a re-run after a crash between dead-lettering and failing: the event did arrive
  if (data.deadLettered) await deps.deadLetters.removeIf(String(job.id)).catch(() => undefined);
  await order.done();
}

async function failed(job: AppJob<'webhook'>, url: string, e: DeliveryError, admission: { probe: boolean; failures: number }, deps: AttemptDeps, order: OrderHooks): Promise<Error> {
  const ep = endpointOf(url);
  const endpoints = deps.endpoints;
  const status = deliveryStatus(e);
  if (endpoints && status === 410) {
    await endpoints.gate.failed(ep, admission, e.message, status, false);
    await endpoints.disable(ep, e.message, status);
    return hold(job, ep, endpoints.heldMs('disabled', 0), `endpoint disabled (HTTP 410): ${url} (waiting)`, deps, order);
  }
  const countsAgainstEndpoint = e.retryable && e.code !== 'rate_limited';
  const circuit = endpoints ? await endpoints.gate.failed(ep, admission, e.message, status, countsAgainstEndpoint) : undefined;
  if (endpoints && circuit?.open) {
    // the endpoint is down, not this event: no attempt used; woken by the probe's success
    return hold(job, ep, endpoints.heldMs('paused', circuit.retryAfterMs), `endpoint paused after ${circuit.failures} failures: ${url} (waiting)`, deps, order);
  }
  const attempt = job.attemptsMade + 1;
  const delay = e.retryable ? scheduledDelay(deps.config.WEBHOOK_RETRY_SCHEDULE, attempt) : undefined;
  if (delay !== undefined) {
    const waitMs = e.retryAfterMs ?? delay;
    if (endpoints) await endpoints.hold(ep, job);
    await order.nextAttemptAt(Date.now() + waitMs);
    return e.with({ retryAfterMs: waitMs });
  }
  await deadLetter(job, url, e, attempt, deps);
  if (endpoints) await endpoints.release(ep, job);
  await order.done();
  // final whatever Bull's own attempt count says (jobs queued under an older, longer schedule)
  return e.with({ retryable: false });
}

async function hold(job: AppJob<'webhook'>, ep: ReturnType<typeof endpointOf>, waitMs: number, message: string, deps: AttemptDeps, order: OrderHooks): Promise<Error> {
  await deps.endpoints!.hold(ep, job);
  await order.nextAttemptAt(Date.now() + waitMs);
  return waitWithoutAttempt(job, message, waitMs);
}
