import type { CampaignStore } from './store';
import type { CampaignSummary } from '../events/catalog';
import { CampaignCounters, CampaignRecord, FINISHED_STATUSES } from './types';

/** What GET /broadcast-status/:campaignId answers and what campaign events carry (the event catalog owns the shape). */
export type { CampaignSummary };

const RATE_WINDOW_MS = 60_000;
const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/** Sends per minute from the latest send times (newest first, at most 100 kept). */
export function currentRate(recent: number[], now: number, startedAt?: number, capacity = 100): number {
  const inWindow = recent.filter((t) => t >= now - RATE_WINDOW_MS && t <= now);
  if (!inWindow.length) return 0;
  let from = now - RATE_WINDOW_MS;
  if (startedAt && startedAt > from) from = startedAt;
  // A full list may not reach back a whole minute: measure over the span it covers.
  if (recent.length >= capacity) from = Math.max(from, inWindow[inWindow.length - 1]);
  const spanMs = Math.max(now - from, 1000);
  return Math.round((inWindow.length / spanMs) * RATE_WINDOW_MS * 10) / 10;
}

/** Recipients not final yet (suppressed ones are final: skipped, never sent). */
export function pendingOf(record: Pick<CampaignRecord, 'total'>, counters: CampaignCounters): number {
  return Math.max(record.total - counters.sent - counters.failed - (counters.suppressed ?? 0), 0);
}

/**
 * `budgetEtaMs`: how long the pending sends take under the number's budget (caps, warm-up, the
 * current hold; SendBudget's campaign ETA). The ETA is the longer of it and the current rate's.
 */
export function summarize(record: CampaignRecord, counters: CampaignCounters, recent: number[], expectedGapMs: number, now = Date.now(), budgetEtaMs?: number): CampaignSummary {
  const pending = pendingOf(record, counters);
  const finished = FINISHED_STATUSES.has(record.status);
  const held = record.status === 'running' && record.holdReason;
  const status = (record.status === 'creating' ? 'scheduled' : held ? 'paused' : record.status) as CampaignSummary['status'];
  const rate = finished ? 0 : currentRate(recent, now, record.startedAt);
  let eta: number | null = null;
  if (!finished) {
    const perMs = rate > 0 ? rate / RATE_WINDOW_MS : 1 / Math.max(expectedGapMs, 1);
    eta = Math.round(pending / perMs / 1000);
    if (budgetEtaMs !== undefined && budgetEtaMs / 1000 > eta) eta = Math.round(budgetEtaMs / 1000);
    if (status === 'scheduled' && record.scheduledFor && record.scheduledFor > now) eta += Math.round((record.scheduledFor - now) / 1000);
  }
  const outcomes = counters.sent + counters.failed;
  return {
    campaignId: record.campaignId,
    instanceId: record.instanceId,
    status,
    ...(record.status === 'paused' ? { pauseReason: 'user' } : held ? { pauseReason: record.holdReason } : {}),
    ...(held && record.holdUntil ? { holdUntil: new Date(record.holdUntil).toISOString() } : {}),
    total: record.total,
    pending,
    sent: counters.sent,
    failed: counters.failed,
    suppressed: counters.suppressed ?? 0,
    delivered: counters.delivered,
    read: counters.read,
    invalid: record.invalid,
    duplicates: record.duplicates,
    successRate: outcomes ? Math.round((counters.sent / outcomes) * 1000) / 10 : null,
    currentRate: rate,
    etaSeconds: eta,
    rateLimitMs: record.rateLimitMs ?? null,
    scheduledFor: iso(record.scheduledFor),
    createdAt: new Date(record.createdAt).toISOString(),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    ...(record.error ? { error: { code: record.errorCode ?? 'stopped', message: record.error } } : {}),
  };
}

/** Reads everything a summary needs; undefined when the campaign does not exist (or expired). */
export async function loadSummary(store: CampaignStore, campaignId: string, pacing: PacingDefaults): Promise<CampaignSummary | undefined> {
  const record = await store.get(campaignId);
  if (!record) return undefined;
  const [counters, recent] = await Promise.all([store.counters(campaignId), store.recentSends(campaignId)]);
  const pending = pendingOf(record, counters);
  const budgetEta = pacing.budgetEta && pending > 0 && !FINISHED_STATUSES.has(record.status) ? await pacing.budgetEta(record, pending).catch(() => undefined) : undefined;
  return summarize(record, counters, recent, expectedGapMs(record, pacing), Date.now(), budgetEta);
}

export interface PacingDefaults {
  minGapMs: number;
  jitterMs: number;
  /** the send budget's ETA of a campaign's pending sends (ms), when the process has a budget */
  budgetEta?: (record: CampaignRecord, pending: number) => Promise<number | undefined>;
}

/** The gap a campaign is expected to keep when nothing was sent yet (ETA before the start). */
export function expectedGapMs(record: { rateLimitMs?: number }, pacing: PacingDefaults): number {
  return Math.max(record.rateLimitMs ?? 0, pacing.minGapMs) + pacing.jitterMs / 2;
}
