/**
 * The queue contract: names, job data types and default job options of the three queues,
 * shared by producers and consumers. Only src/queues/ imports `bull`.
 */
import type { Config } from '../shared/config';
import type { SendContent } from '../channels/content';
import type { AnyEvent } from '../events/envelope';

export const QUEUE_NAMES = ['message', 'webhook', 'broadcast'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** One message to send; jobId = messageId, which is also the WhatsApp message id. */
export interface MessageJobData {
  messageId: string;
  instanceId: string;
  /** phone digits (country code first) or a group id `...@g.us` */
  to: string;
  content: SendContent;
  createdAt: number;
  /** look the number up before sending (add-message checkNumber): not on WhatsApp -> failed not_on_whatsapp */
  checkNumber?: boolean;
  /** times the instance was found not connected (waits, not failures) */
  notConnectedWaits?: number;
  /** times the instance's circuit was open (waits, not failures) */
  circuitWaits?: number;
  /** times the instance's pacing budget was booked too far ahead (waits, not failures) */
  pacedWaits?: number;
  /** times the message waited for a restriction to end (new chat while timelocked: waits, not failures) */
  restrictedWaits?: number;
  /** times the send budget held the message (a cap, warm-up, identical content: waits, not failures) */
  budgetWaits?: number;
  /** add-message force: send even if the recipient opted out (suppression list) */
  force?: boolean;
}

/**
 * One event for the CRM; jobId = event id, stable across retries (webhook-id header). An event
 * going to several URLs (an instance's subscription) becomes one job per URL, jobId
 * `${eventId}@${endpointId}`, each with its fixed `url` (a replay of one of them too).
 */
export interface WebhookJobData {
  event: AnyEvent;
  /** the one destination of this job (fan-out, replay); absent: routed when delivered */
  url?: string;
}

/** One campaign; jobId = campaignId. Recipients live in Redis, never in the job. */
export interface BroadcastJobData {
  campaignId: string;
  instanceId: string;
}

export interface JobDataByQueue {
  message: MessageJobData;
  webhook: WebhookJobData;
  broadcast: BroadcastJobData;
}

export interface BackoffPolicy {
  /** first retry delay; doubles each attempt, with jitter */
  baseMs: number;
  maxMs: number;
}

export interface JobOptionsShape {
  attempts: number;
  backoff: { type: 'smart'; options: BackoffPolicy };
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number };
}

const DAY_S = 86400;

/** Default options per queue; retries use the 'smart' strategy in factory.ts. */
export function defaultJobOptions(name: QueueName, config: Config): JobOptionsShape {
  const retentionS = Math.round(config.MESSAGE_RETENTION_DAYS * DAY_S);
  switch (name) {
    case 'message':
      return {
        attempts: config.MESSAGE_ATTEMPTS,
        backoff: { type: 'smart', options: { baseMs: config.MESSAGE_BACKOFF_MS, maxMs: 5 * 60_000 } },
        removeOnComplete: { age: DAY_S, count: 10_000 },
        removeOnFail: { age: retentionS },
      };
    case 'webhook':
      // WEBHOOK_RETRY_SCHEDULE: the handler gives each retry its scheduled wait (retryAfterMs); the
      // exponential policy only covers an error thrown outside it (never in normal operation).
      return {
        attempts: config.WEBHOOK_RETRY_SCHEDULE.length + 1,
        backoff: { type: 'smart', options: { baseMs: config.WEBHOOK_RETRY_SCHEDULE[0] ?? 5000, maxMs: Math.max(...config.WEBHOOK_RETRY_SCHEDULE, 5000) } },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: retentionS },
      };
    case 'broadcast':
      return {
        attempts: 1000,
        backoff: { type: 'smart', options: { baseMs: 5000, maxMs: 5 * 60_000 } },
        removeOnComplete: { age: retentionS, count: 1000 },
        removeOnFail: { age: retentionS },
      };
  }
}

/** Exponential with full jitter between half and the whole step, capped. */
export function backoffDelay(attemptsMade: number, policy: BackoffPolicy): number {
  const step = Math.min(policy.baseMs * 2 ** Math.max(attemptsMade - 1, 0), policy.maxMs);
  return Math.round(step / 2 + Math.random() * (step / 2));
}
