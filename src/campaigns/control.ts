import { AppError } from '../shared/errors';
import type { AppQueue } from '../queues/factory';
import type { CampaignStore } from './store';
import { enqueue } from './create';
import type { CampaignStatus } from './types';

export type ControlAction = 'pause' | 'resume' | 'cancel';

export interface ControlDeps {
  store: CampaignStore;
  queue: AppQueue<'broadcast'>;
}

/**
 * pause / resume / cancel only write the campaign's status; the worker reads it before every send,
 * so a change takes effect within one send interval (a send already past that check completes).
 * - pause: scheduled|running -> paused (the job keeps its slot and waits)
 * - resume: paused -> running (or scheduled when it never started); a campaign that stopped by
 *   itself (failed: instance logged out, restriction) is re-enqueued and continues where it stopped
 * - cancel: scheduled|running|paused -> cancelled; a job still waiting for its start time is removed
 * Returns the status before the change, and whether a job that never ran was removed (then no
 * worker reports the end: the caller does).
 */
export async function controlCampaign(deps: ControlDeps, campaignId: string, action: ControlAction): Promise<{ previousStatus: CampaignStatus; jobRemoved?: boolean }> {
  const { store } = deps;
  switch (action) {
    case 'pause':
      return { previousStatus: check(campaignId, 'pause', await store.transition(campaignId, ['scheduled', 'running'], 'paused')) };
    case 'cancel': {
      const previousStatus = check(campaignId, 'cancel', await store.transition(campaignId, ['scheduled', 'running', 'paused'], 'cancelled', { finish: true }));
      const job = await deps.queue.getJob(campaignId);
      let jobRemoved = false;
      if (job && ['delayed', 'waiting', 'paused'].includes(await job.getState())) jobRemoved = await job.remove().then(() => true, () => false);
      await store.expireFinished(campaignId);
      return { previousStatus, jobRemoved };
    }
    case 'resume': {
      const current = await store.status(campaignId);
      if (current === 'failed') return { previousStatus: await restartStopped(deps, campaignId) };
      return { previousStatus: check(campaignId, 'resume', await store.transition(campaignId, ['paused'], 'resume')) };
    }
  }
}

/** A stopped campaign continues with its pending recipients (sent ones are never resent). */
async function restartStopped(deps: ControlDeps, campaignId: string): Promise<CampaignStatus> {
  const job = await deps.queue.getJob(campaignId);
  if (job && (await job.getState()) === 'active') throw new AppError('conflict', `campaign ${campaignId} is still stopping; retry in a moment`);
  const record = await deps.store.get(campaignId);
  if (!record) throw notFound(campaignId);
  const before = check(campaignId, 'resume', await deps.store.transition(campaignId, ['failed'], 'running', { reopen: true }));
  // it was set to expire when it stopped; running again, it is kept until it finishes
  const pipeline = deps.store.redis.pipeline();
  for (const key of deps.store.campaignKeys(campaignId)) pipeline.persist(key);
  await pipeline.exec();
  await enqueue(deps.queue, campaignId, record.instanceId);
  return before;
}

function check(campaignId: string, action: string, result: { ok: boolean; before: string }): CampaignStatus {
  if (result.ok) return result.before as CampaignStatus;
  if (!result.before) throw notFound(campaignId);
  throw new AppError('conflict', `cannot ${action} campaign ${campaignId}: it is ${result.before === 'creating' ? 'being created' : result.before}`, { status: result.before });
}

function notFound(campaignId: string): AppError {
  return new AppError('not_found', `campaign ${campaignId} does not exist (or its data expired)`);
}
