import type { AppQueue } from '../queues/factory';
import type { MessageRecord, StatusStore } from './status-store';

/**
 * One message as GET /messages/:id shows it. The status record exists from the worker's first
 * attempt on; before that the message is only its queued job, read from Bull.
 */
export async function messageView(messageId: string, statuses: StatusStore, queue: AppQueue<'message'>): Promise<(MessageRecord & { reason?: string; scheduledFor?: string }) | undefined> {
  const record = await statuses.get(messageId);
  if (record) {
    if (record.status === 'failed' && record.error) return { ...record, reason: record.error.message };
    return record;
  }
  const job = await queue.getJob(messageId);
  if (!job || !job.data?.messageId) return undefined;
  const view: MessageRecord & { scheduledFor?: string } = {
    messageId,
    status: 'queued',
    instanceId: job.data.instanceId,
    to: job.data.to,
    type: job.data.content?.type,
    attempts: job.attemptsMade,
    queuedAt: new Date(job.data.createdAt ?? job.timestamp).toISOString(),
  };
  const delay = Number(job.opts.delay ?? 0);
  if (delay > 0) view.scheduledFor = new Date(job.timestamp + delay).toISOString();
  return view;
}
