import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { AppQueue } from '../queues/factory';
import { parseInput } from '../shared/parse-input';
import { parseContacts, InvalidContact } from './contacts';
import { parsePsid } from '../messenger';
import { addBroadcastSchema, parseScheduledFor } from './schema';
import { hasPlaceholders } from './template';
import type { CampaignStore } from './store';
import { loadSummary, CampaignSummary } from './summary';
import type { CampaignRecord } from './types';

export interface CreateDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  store: CampaignStore;
  queue: AppQueue<'broadcast'>;
  /** SSRF guard for mediaUrl (throws a 400 AppError) */
  checkMediaUrl: (url: string) => Promise<void>;
}

export interface AcceptResult {
  /** 202 for a new campaign, 200 for a repeat of an existing campaignId */
  status: 200 | 202;
  body: {
    success: true;
    campaignId: string;
    queued: number;
    invalid: { count: number; items: InvalidContact[] };
    duplicates: number;
    status: string;
    scheduledFor: string | null;
    existing?: true;
    summary?: CampaignSummary;
  };
}

/** A claim older than this without finishing is a creation that died half-way: it is redone. */
const ABANDONED_CLAIM_MS = 120_000;

/**
 * POST /queue/add-broadcast: validate, normalise and de-duplicate the contacts, write them to Redis
 * and enqueue one job that carries only ids (jobId = campaignId, delayed to scheduledFor).
 * The same campaignId again never creates a second campaign: it answers 200 with the existing one.
 */
export async function acceptBroadcast(deps: CreateDeps, input: unknown): Promise<AcceptResult> {
  const { config, store } = deps;
  const body = parseInput(addBroadcastSchema, input);
  if (body.contacts.length > config.BROADCAST_MAX_CONTACTS) {
    throw fieldError('contacts', `has ${body.contacts.length} entries; at most ${config.BROADCAST_MAX_CONTACTS} (BROADCAST_MAX_CONTACTS) per campaign`);
  }
  const schedule = parseScheduledFor(body.scheduledFor);
  if (schedule.error) throw fieldError('scheduledFor', schedule.error);
  const instance = await deps.redis.hget(store.keys.instances, body.instanceId);
  if (!instance) throw new AppError('instance_not_found', `instance ${body.instanceId} does not exist`);
  // a Messenger page's contacts are PSIDs (in `phone` or as strings), checked as such
  const messenger = (JSON.parse(instance) as { channel?: string }).channel === 'messenger';
  if (messenger && body.checkNumbers) throw fieldError('checkNumbers', 'is for WhatsApp numbers; a Messenger campaign has PSIDs');
  if (body.mediaUrl) await deps.checkMediaUrl(body.mediaUrl);

  const parsed = parseContacts(body.contacts, messenger ? parsePsid : undefined);
  const invalid = { count: parsed.invalidCount, items: parsed.invalid };
  if (!parsed.recipients.length) {
    throw new AppError('validation_failed', 'no valid contact in contacts', { fields: [{ field: 'contacts', message: 'no valid phone number' }], invalid });
  }
  const campaignId = body.campaignId ?? randomUUID();
  const pacing = { minGapMs: config.PACING_MIN_GAP_MS, jitterMs: config.PACING_JITTER_MS };

  const existing = await claimOrReuse(store, campaignId, body.instanceId);
  if (existing) {
    const summary = await loadSummary(store, campaignId, pacing);
    if (!summary) throw new AppError('conflict', `campaign ${campaignId} is being created; retry in a moment`);
    return {
      status: 200,
      body: { success: true, campaignId, queued: summary.total, invalid: { count: summary.invalid, items: [] }, duplicates: summary.duplicates, status: summary.status, scheduledFor: summary.scheduledFor, existing: true, summary },
    };
  }

  const mediaType = body.mediaType ?? 'text';
  const record: CampaignRecord = {
    campaignId,
    instanceId: body.instanceId,
    status: 'scheduled',
    message: body.message,
    mediaType,
    mediaUrl: body.mediaUrl,
    fileName: body.fileName,
    mimetype: body.mimetype,
    templated: hasPlaceholders(body.message),
    scheduledFor: schedule.at,
    rateLimitMs: body.rateLimitMs,
    ...(body.checkNumbers ? { checkNumbers: true } : {}),
    ...(body.messagingType ? { messagingType: body.messagingType } : {}),
    ...(body.tag ? { tag: body.tag } : {}),
    total: parsed.recipients.length,
    invalid: parsed.invalidCount,
    duplicates: parsed.duplicates,
    createdAt: Date.now(),
    cursor: 0,
  };
  try {
    await store.writeRecipients(campaignId, parsed.recipients);
    await store.saveDefinition(record);
    await enqueue(deps.queue, campaignId, body.instanceId, schedule.at);
  } catch (err) {
    await store.remove(campaignId).catch(() => undefined);
    throw err instanceof AppError ? err : new AppError('redis_unavailable', `could not store the campaign: ${(err as Error).message}`);
  }
  deps.logger.info('campaign accepted', { campaignId, instanceId: body.instanceId, total: record.total, invalid: record.invalid, duplicates: record.duplicates, scheduledFor: schedule.at });
  return {
    status: 202,
    body: { success: true, campaignId, queued: record.total, invalid, duplicates: record.duplicates, status: 'scheduled', scheduledFor: schedule.at ? new Date(schedule.at).toISOString() : null },
  };
}

/** true when the id belongs to an existing campaign (answer with it); false when we own a fresh claim. */
async function claimOrReuse(store: CampaignStore, campaignId: string, instanceId: string): Promise<boolean> {
  const existing = await store.claim(campaignId, instanceId);
  if (!existing) return false;
  if (existing.instanceId && existing.instanceId !== instanceId) {
    throw new AppError('conflict', `campaignId ${campaignId} is already used by a campaign on instance ${existing.instanceId}`);
  }
  if (existing.status !== 'creating') return true;
  if (Date.now() - existing.createdAt < ABANDONED_CLAIM_MS) throw new AppError('conflict', `campaign ${campaignId} is being created; retry in a moment`);
  await store.remove(campaignId);
  return claimOrReuse(store, campaignId, instanceId);
}

/** jobId = campaignId. A finished job left by an expired campaign of the same id is removed first (Bull would ignore the add). */
export async function enqueue(queue: AppQueue<'broadcast'>, campaignId: string, instanceId: string, at?: number): Promise<void> {
  const old = await queue.getJob(campaignId);
  if (old) {
    const state = await old.getState();
    if (state === 'completed' || state === 'failed') await old.remove();
  }
  const delay = at ? Math.max(at - Date.now(), 0) : 0;
  await queue.add({ campaignId, instanceId }, { jobId: campaignId, ...(delay > 0 ? { delay } : {}) });
}

function fieldError(field: string, message: string): AppError {
  return new AppError('validation_failed', `invalid input: ${field}: ${message}`, { fields: [{ field, message }] });
}
