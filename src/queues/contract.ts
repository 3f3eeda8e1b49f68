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
  /** times the instance was found not connected (waits, not failures) */
  notConnectedWaits?: number;
  /** times the instance's circuit was open (waits, not failures) */
  circuitWaits?: number;
  /** times the instance's pacing budget was booked too far ahead (waits, not failures) */
  pacedWaits?: number;
}

/** One event for the CRM; jobId = event id, stable across retries (webhook-id header). */
export interface WebhookJobData {
  event: AnyEvent;
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
      // 15 attempts from 2 s doubling (with jitter), capped at 1 h: the schedule spans about 2 to 4 hours.
      return {
        attempts: config.WEBHOOK_ATTEMPTS,
        backoff: { type: 'smart', options: { baseMs: config.WEBHOOK_BACKOFF_MS, maxMs: 60 * 60_000 } },
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
