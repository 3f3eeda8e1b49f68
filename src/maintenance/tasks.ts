import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import { redisKeys } from '../shared/keys';
import type { AnyQueue } from '../queues/factory';
import { cleanFinished, CleanResult } from '../queues/inspect';
import { isMaintenanceTask, MaintenanceJob, MaintenanceTask } from '../queues/maintenance-jobs';
import { expireData, ExpireResult } from './expire-data';
import { trimDeadLetters, TrimResult } from './trim-dead-letters';
import type { MessageLogStore, PartitionRoll } from '../message-log/port';

const DAY_MS = 86_400_000;

export interface MaintenanceDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'MESSAGE_RETENTION_DAYS' | 'JOB_RETENTION_DAYS' | 'IDEMPOTENCY_TTL_SECONDS' | 'DEAD_LETTER_MAX'>;
  logger: Logger;
  redis: Redis;
  /** the three queues (completed and failed jobs are cleaned in each) */
  queues: AnyQueue[];
  /** the message log (absent with MESSAGE_LOG=off): its partitions roll on CRON_MESSAGE_LOG */
  messageLog?: Pick<MessageLogStore, 'roll'>;
}

export type MaintenanceResult = Record<string, CleanResult> | ExpireResult | TrimResult | PartitionRoll | { skipped: string };

/** Completed and failed jobs older than JOB_RETENTION_DAYS (default MESSAGE_RETENTION_DAYS), per queue. */
export async function cleanJobs(deps: MaintenanceDeps): Promise<Record<string, CleanResult>> {
  const olderThanMs = Math.round((deps.config.JOB_RETENTION_DAYS ?? deps.config.MESSAGE_RETENTION_DAYS) * DAY_MS);
  const out: Record<string, CleanResult> = {};
  for (const q of deps.queues) out[q.name] = await cleanFinished(q, olderThanMs);
  return out;
}

export function expireOldData(deps: MaintenanceDeps, now?: number): Promise<ExpireResult> {
  return expireData(deps.redis, redisKeys(deps.config.QUEUE_PREFIX), {
    retentionMs: Math.round(deps.config.MESSAGE_RETENTION_DAYS * DAY_MS),
    idempotencyMs: deps.config.IDEMPOTENCY_TTL_SECONDS * 1000,
    now,
  });
}

export function trimDeadLetterSet(deps: MaintenanceDeps): Promise<TrimResult> {
  return trimDeadLetters(deps.redis, redisKeys(deps.config.QUEUE_PREFIX), deps.config.DEAD_LETTER_MAX);
}

/** Runs one task now (the job handler, tests and operators call this). */
export async function runMaintenanceTask(task: MaintenanceTask, deps: MaintenanceDeps): Promise<MaintenanceResult> {
  const started = Date.now();
  const result = await runTask(task, deps);
  deps.logger.info('maintenance done', { task, ms: Date.now() - started, result });
  return result;
}

function runTask(task: MaintenanceTask, deps: MaintenanceDeps): Promise<MaintenanceResult> {
  switch (task) {
    case 'clean-jobs':
      return cleanJobs(deps);
    case 'expire-data':
      return expireOldData(deps);
    case 'trim-dead-letters':
      return trimDeadLetterSet(deps);
    case 'roll-message-log':
      // partitions created ahead and dropped past MESSAGE_LOG_RETENTION_DAYS (a PostgreSQL outage fails the job: retried)
      return deps.messageLog ? deps.messageLog.roll() : Promise.resolve({ skipped: 'MESSAGE_LOG=off' });
  }
}

/** Handler of the `maintenance` named job (webhook-worker). */
export function maintenanceJobHandler(deps: MaintenanceDeps): (job: MaintenanceJob) => Promise<MaintenanceResult> {
  return async (job) => {
    const task = job.data?.task;
    if (!isMaintenanceTask(task)) throw new AppError('bad_request', `unknown maintenance task ${JSON.stringify(task)}`, undefined, { retryable: false });
    return runMaintenanceTask(task, deps);
  };
}
