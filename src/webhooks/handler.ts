import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { AppJob, AppQueue, JobHandler } from '../queues/factory';
import type { EventFamily } from '../events/envelope';
import type { DeadLetterStore } from './dead-letters';
import { attemptDelivery, AttemptDeps, OrderHooks } from './attempt';
import { endpointOf } from './endpoints/endpoint';
import { chatOf, OrderGate, Turn } from './ordering';
import { StoredJobData, waitWithoutAttempt } from './outcome';
import { destinations, RoutingConfig, SubscriptionLookup } from './subscriptions';

export interface HandlerDeps extends AttemptDeps {
  config: AttemptDeps['config'] & RoutingConfig & Pick<Config, 'WEBHOOK_UNROUTED_RETRY_MS'>;
  /** an instance's webhookUrls / webhookEvents (registry); absent: the default routing for all */
  subscriptions?: SubscriptionLookup;
  /** WEBHOOK_ORDER=chat */
  order?: OrderGate;
}

const NO_ORDER: OrderHooks = { nextAttemptAt: async () => undefined, done: async () => undefined };

/**
 * The webhook-worker's job handler: route, sign and post one event.
 * - WEBHOOK_ORDER=chat: the event first joins its chat's line and waits (no attempt used) until
 *   every earlier event of the chat was delivered or dead-lettered (ordering.ts).
 * - The instance's subscription may not want this type: done, nothing sent. Several URLs: one
 *   job per URL (`${eventId}@${endpointId}`), each delivered, retried and dead-lettered alone.
 * - No URL for the event's family: the job waits in Redis (delayed, re-checked every
 *   WEBHOOK_UNROUTED_RETRY_MS with jitter) without using up attempts; one warning per family.
 * - Otherwise one attempt (attempt.ts): endpoint health, the retry schedule, dead letters.
 */
export function createWebhookHandler(deps: HandlerDeps): JobHandler<'webhook'> {
  const warned = new Set<EventFamily>();
  return async (job) => {
    const data = job.data as StoredJobData;
    const event = data?.event;
    if (!event || typeof event.id !== 'string' || typeof event.type !== 'string') {
      throw new AppError('bad_request', 'webhook job without a valid event', { jobId: job.id }, { retryable: false });
    }
    const chat = deps.order ? chatOf(event) : undefined;
    // joins the chat's line before anything else is awaited, so the line keeps the queue's order
    const turn = chat ? deps.order!.enter(chat, event.id) : undefined;
    const order = chat ? orderHooks(deps.order!, chat, event.id) : NO_ORDER;
    if (turn) {
      const t = await turn;
      if (!t.head) throw waitWithoutAttempt(job, `waiting for an earlier event of chat ${chat} (${t.headId})`, followerWaitMs(t));
    }
    if (data.url) return attemptDelivery(job, data.url, deps, order);
    const sub = deps.subscriptions ? await deps.subscriptions(event.instanceId) : undefined;
    const dest = destinations(event, sub, deps.config);
    if (dest.skipped) {
      await order.done();
      return { skipped: 'not in the instance\'s webhookEvents' };
    }
    const family = dest.route.family;
    if (!dest.urls.length) {
      if (!warned.has(family)) {
        warned.add(family);
        deps.logger.warn('no webhook URL for this event family: events wait in Redis until one is configured', {
          family,
          set: family === 'campaign' ? 'WEBHOOK_URL_CAMPAIGN' : `SUPABASE_FUNCTIONS_URL or WEBHOOK_URL_${family.toUpperCase()}`,
        });
      }
      const base = deps.config.WEBHOOK_UNROUTED_RETRY_MS;
      const waitMs = Math.round(base * (0.9 + Math.random() * 0.2));
      await order.nextAttemptAt(Date.now() + waitMs);
      throw waitWithoutAttempt(job, `no webhook URL for ${family} events (waiting)`, waitMs);
    }
    if (dest.urls.length > 1) return fanOut(job, dest.urls, deps.order);
    return attemptDelivery(job, dest.urls[0], deps, order);
  };
}

/** One job per URL; re-running after a crash adds nothing twice (Bull ignores a known jobId). */
async function fanOut(job: AppJob<'webhook'>, urls: string[], order: OrderGate | undefined): Promise<{ fannedOut: number }> {
  const { event } = job.data as StoredJobData;
  if (order && chatOf(event)) await order.expectDestinations(event.id, urls.length);
  for (const url of urls) await job.queue.add({ event, url }, { jobId: `${event.id}@${endpointOf(url).id}` });
  return { fannedOut: urls.length };
}

function orderHooks(gate: OrderGate, chat: string, eventId: string): OrderHooks {
  return { nextAttemptAt: (atMs) => gate.noteNextAttempt(chat, eventId, atMs), done: () => gate.leave(chat, eventId) };
}

/** Behind a head that waits for a known time: as long; behind one in flight: a short look again (leave() wakes the next at once). */
function followerWaitMs(turn: Extract<Turn, { head: false }>): number {
  const until = turn.headNextAt - Date.now();
  return Math.round((until > 0 ? until + 50 : 250) + Math.random() * 200);
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
      .add({ id: String(job.id ?? event.id), event, ...(job.data.url ? { url: job.data.url } : {}), lastError: 'delivery interrupted too often (worker stopped while delivering)', attempts: job.attemptsMade, deadAt: new Date().toISOString() })
      .then(() => logger.warn('webhook dead-lettered after repeated stalls', { eventId: event.id }))
      .catch((e: Error) => logger.error('could not dead-letter a stalled webhook job', { eventId: event.id, error: e.message }));
  });
}
