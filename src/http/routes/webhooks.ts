import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import { parseInput } from '../../shared/parse-input';
import type { AppQueue } from '../../queues/factory';
import { DeadLetterStore } from '../../webhooks/dead-letters';
import { replayDeadLetters } from '../../webhooks/replay';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const replayBody = z
  .object({ ids: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional() })
  .strict();

/**
 * Dead letters of the webhook queue (behind the API key):
 *   GET  /webhooks/dead?limit=50&offset=0   newest first
 *   POST /webhooks/replay { ids?: string[] } re-queue the given (or all) events, same event ids
 */
export interface WebhooksRouteDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'DEAD_LETTER_MAX'>;
  redis: Redis;
  /** where replayed events go back to */
  queue: AppQueue<'webhook'>;
}

export function webhooksRouter(deps: WebhooksRouteDeps): Router {
  const router = Router();
  const store = new DeadLetterStore(deps.redis, deps.config.QUEUE_PREFIX, deps.config.DEAD_LETTER_MAX);

  router.get('/webhooks/dead', async (req, res) => {
    const { limit, offset } = parseInput(listQuery, req.query);
    const [total, items] = await Promise.all([store.count(), store.list(offset, limit)]);
    res.json({ success: true, total, limit, offset, items });
  });

  router.post('/webhooks/replay', async (req, res) => {
    const { ids } = parseInput(replayBody, req.body ?? {});
    const result = await replayDeadLetters(store, deps.queue, ids);
    res.json({ success: true, ...result });
  });

  return router;
}
