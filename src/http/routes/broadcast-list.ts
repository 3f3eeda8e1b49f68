import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import { parseInput } from '../../shared/parse-input';
import { redisKeys } from '../../shared/keys';
import { CampaignStore, retentionSeconds } from '../../campaigns/store';
import { CampaignIndex } from '../../campaigns/campaign-index';
import { loadSummary } from '../../campaigns/summary';
import { canSee, principalOf } from '../access/principal';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** how many of the newest campaigns a key limited to some instances looks through */
const LIMITED_SCAN = 1000;

export interface BroadcastListDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'MESSAGE_RETENTION_DAYS' | 'PACING_MIN_GAP_MS' | 'PACING_JITTER_MS'>;
  redis: Redis;
}

/**
 * GET /broadcasts?limit=50&offset=0: campaigns newest first, each as its status summary (a scoped
 * key sees only its instances' campaigns). Campaigns accepted before the index existed are not
 * listed (GET /broadcast-status/:campaignId still answers them).
 */
export function broadcastListRouter(deps: BroadcastListDeps): Router {
  const keys = redisKeys(deps.config.QUEUE_PREFIX);
  const store = new CampaignStore(deps.redis, keys, retentionSeconds(deps.config.MESSAGE_RETENTION_DAYS));
  const index = new CampaignIndex(deps.redis, keys);
  const pacing = { minGapMs: deps.config.PACING_MIN_GAP_MS, jitterMs: deps.config.PACING_JITTER_MS };
  const router = Router();
  router.get('/broadcasts', async (req, res) => {
    const { limit, offset } = parseInput(listQuery, req.query);
    const principal = principalOf(req);
    const limited = !!principal && principal.instances !== '*';
    // a key limited to some instances: its campaigns among the latest LIMITED_SCAN, then the page
    const ids = limited ? await index.list(0, LIMITED_SCAN) : await index.list(offset, limit);
    const summaries = (await Promise.all(ids.map((id) => loadSummary(store, id, pacing)))).filter((s) => s !== undefined && canSee(req, s.instanceId));
    const page = limited ? summaries.slice(offset, offset + limit) : summaries;
    res.json({ success: true, total: limited ? summaries.length : await index.count(), limit, offset, campaigns: page });
  });
  return router;
}
