/**
 * Maintenance jobs: part of the queue contract. They ride on the `webhook` queue under the Bull
 * job name `maintenance` (no fourth queue: webhook-worker is idle most of the time, owns the
 * dead-letter set, and a queue of its own would need a consumer, a health line and a board tab
 * for a handful of jobs a day). consume() routes them by name, so the webhook handler never sees them.
 */
import type { Job } from 'bull';
import type { AppQueue } from './factory';

export const MAINTENANCE_JOB = 'maintenance';

export const MAINTENANCE_TASKS = ['clean-jobs', 'expire-data', 'trim-dead-letters', 'roll-message-log'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export interface MaintenanceJobData {
  task: MaintenanceTask;
  /** when the schedule fired (ms) */
  requestedAt: number;
}

export type MaintenanceJob = Job<MaintenanceJobData>;

/**
 * Enqueues one maintenance task. The job id is the task plus the minute it was requested, so a
 * schedule that fires twice in one minute (a restart at the wrong moment) adds it once.
 */
export async function enqueueMaintenance(queue: AppQueue<'webhook'>, task: MaintenanceTask, now = Date.now()): Promise<string> {
  const minute = Math.floor(now / 60_000);
  const jobId = `${MAINTENANCE_JOB}:${task}:${minute}`;
  const data: MaintenanceJobData = { task, requestedAt: now };
  // The queue's type is its own job data; this named job carries another shape on purpose.
  const untyped = queue as unknown as AppQueue<'webhook'> & { add(name: string, data: MaintenanceJobData, opts: object): Promise<Job> };
  await untyped.add(MAINTENANCE_JOB, data, {
    jobId,
    attempts: 3,
    backoff: { type: 'smart', options: { baseMs: 30_000, maxMs: 10 * 60_000 } },
    // removeOnComplete/removeOnFail stay the queue's: Bull applies a finishing job's bounds to the
    // whole completed/failed set, so different ones here would trim the webhook jobs too.
  });
  return jobId;
}

export function isMaintenanceTask(value: unknown): value is MaintenanceTask {
  return typeof value === 'string' && (MAINTENANCE_TASKS as readonly string[]).includes(value);
}
