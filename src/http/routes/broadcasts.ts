import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import { assertPublicHttpUrl } from '../../shared/url-guard';
import type { AppQueue } from '../../queues/factory';
import type { EventPublisher } from '../../queues/publisher';
import { CampaignStore, retentionSeconds } from '../../campaigns/store';
import { CampaignIndex } from '../../campaigns/campaign-index';
import { acceptBroadcast } from '../../campaigns/create';
import { controlCampaign, ControlAction } from '../../campaigns/control';
import { loadSummary, PacingDefaults } from '../../campaigns/summary';
import { CAMPAIGN_ID_RE } from '../../campaigns/schema';
import { streamSummary } from './broadcast-stream';
import { canSee } from '../access/principal';

const recipientsQuery = z.object({
  recipients: z.enum(['failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export interface BroadcastRouteDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  queue: AppQueue<'broadcast'>;
  /** campaign.completed for a campaign cancelled before its job ran */
  events: Pick<EventPublisher, 'publish'>;
  /** the ETA of a campaign under its number's send budget */
  budgetEta?: PacingDefaults['budgetEta'];
}

/**
 * Campaign routes: create, status (with failed recipients), pause / resume / cancel. add-broadcast's
 * larger body limit is the public room's (it checks the key before reading the body).
 */
export function broadcastRoutes(deps: BroadcastRouteDeps): Router {
  const { config, queue } = deps;
  const store = new CampaignStore(deps.redis, redisKeys(config.QUEUE_PREFIX), retentionSeconds(config.MESSAGE_RETENTION_DAYS));
  const pacing: PacingDefaults = { minGapMs: config.PACING_MIN_GAP_MS, jitterMs: config.PACING_JITTER_MS, budgetEta: deps.budgetEta };
  const index = new CampaignIndex(deps.redis, redisKeys(config.QUEUE_PREFIX));
  const checkMediaUrl = (url: string) =>
    assertPublicHttpUrl(url, { allowPrivate: config.ALLOW_PRIVATE_MEDIA_URLS, dnsTimeoutMs: config.MEDIA_URL_DNS_TIMEOUT_MS, field: 'mediaUrl' });
  const router = Router();

  router.post('/queue/add-broadcast', async (req, res) => {
    const result = await acceptBroadcast({ config, logger: deps.logger, redis: deps.redis, store, queue, checkMediaUrl }, req.body);
    // listed by GET /broadcasts (and the dashboard) from now on
    if (result.status === 202) await index.add(result.body.campaignId);
    res.status(result.status).json(result.body);
  });

  router.get('/broadcast-status/:campaignId', async (req, res) => {
    const campaignId = campaignParam(req.params.campaignId);
    const query = parseInput(recipientsQuery, req.query);
    const summary = await loadSummary(store, campaignId, pacing);
    // a scoped key sees only its instances' campaigns (the same 404 as an unknown one)
    if (!summary || !canSee(req, summary.instanceId)) throw notFound(campaignId);
    if (query.recipients !== 'failed') return void res.json({ success: true, ...summary });
    const failed = await store.failedRecipients(campaignId, query.offset, query.limit);
    res.json({ success: true, ...summary, recipients: { filter: 'failed', total: failed.total, offset: query.offset, limit: query.limit, items: failed.items.map(publicFailure) } });
  });

  router.get('/broadcast-status/:campaignId/stream', async (req, res) => {
    const campaignId = campaignParam(req.params.campaignId);
    const first = await loadSummary(store, campaignId, pacing);
    if (!first || !canSee(req, first.instanceId)) throw notFound(campaignId);
    await streamSummary(req, res, first, () => loadSummary(store, campaignId, pacing), { intervalMs: 1000, maxMs: 15_000 });
  });

  for (const action of ['pause', 'resume', 'cancel'] as ControlAction[]) {
    router.post(`/broadcast/:campaignId/${action}`, async (req, res) => {
      const campaignId = campaignParam(req.params.campaignId);
      const record = await store.get(campaignId);
      if (record && !canSee(req, record.instanceId)) throw notFound(campaignId);
      const { previousStatus, jobRemoved } = await controlCampaign({ store, queue }, campaignId, action);
      const summary = await loadSummary(store, campaignId, pacing);
      // a campaign cancelled before its job ran has no worker to report its end
      if (jobRemoved && summary) deps.events.publish({ type: 'campaign.completed', instanceId: summary.instanceId, data: { ...summary } });
      res.json({ success: true, action, previousStatus, ...summary });
    });
  }
  return router;
}

function campaignParam(value: string | undefined): string {
  if (!value || !CAMPAIGN_ID_RE.test(value)) throw new AppError('validation_failed', 'campaignId: letters, digits, _ . - only (max 128)', { fields: [{ field: 'campaignId', message: 'invalid' }] });
  return value;
}

function notFound(campaignId: string): AppError {
  return new AppError('not_found', `campaign ${campaignId} does not exist (or its data expired)`);
}

function publicFailure(f: { to: string; reason: string; code: string; at: number }) {
  return { to: f.to, reason: f.reason, code: f.code, at: new Date(f.at).toISOString() };
}
