import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import { parseInput } from '../../shared/parse-input';
import type { AppQueue } from '../../queues/factory';
import { DeadLetterStore } from '../../webhooks/dead-letters';
import { replayDeadLetters } from '../../webhooks/replay';
import { canSee, principalOf } from '../access/principal';

/** a caller whose key sees only some instances (admin and `*` keys see every dead letter) */
function limitedScope(req: Parameters<typeof principalOf>[0]): boolean {
  const principal = principalOf(req);
  return !!principal && principal.instances !== '*';
}

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
    if (!limitedScope(req)) {
      const [total, items] = await Promise.all([store.count(), store.list(offset, limit)]);
      return void res.json({ success: true, total, limit, offset, items });
    }
    // a key limited to some instances sees only their dead letters (the set is bounded by DEAD_LETTER_MAX)
    const visible = (await store.getMany(await store.allIds())).filter((d) => canSee(req, d.event.instanceId)).reverse();
    res.json({ success: true, total: visible.length, limit, offset, items: visible.slice(offset, offset + limit) });
  });

  router.post('/webhooks/replay', async (req, res) => {
    const { ids } = parseInput(replayBody, req.body ?? {});
    if (!limitedScope(req)) return void res.json({ success: true, ...(await replayDeadLetters(store, deps.queue, ids)) });
    // only dead letters of the key's instances; the others are reported as not found
    const wanted = ids ?? (await store.allIds());
    const mine = new Set((await store.getMany(wanted)).filter((d) => canSee(req, d.event.instanceId)).map((d) => d.id));
    const result = await replayDeadLetters(store, deps.queue, wanted.filter((id) => mine.has(id)));
    res.json({ success: true, ...result, notFound: [...result.notFound, ...(ids ?? []).filter((id) => !mine.has(id))] });
  });

  return router;
}
