import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import type { AppQueue } from '../../queues/factory';
import type { EventPublisher } from '../../queues/publisher';
import { ENDPOINT_ID_RE } from '../../webhooks/endpoints/endpoint';
import { EndpointStore } from '../../webhooks/endpoints/endpoint-store';
import { enableEndpoint } from '../../webhooks/endpoints/enable';
import { BacklogWaker } from '../../webhooks/endpoints/waker';
import { publicKeysFromConfig } from '../../webhooks/signing/from-config';

export interface WebhookEndpointsRouteDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'WEBHOOK_ENDPOINT_RATE_PER_S' | 'WEBHOOK_SECRET' | 'WEBHOOK_SECRET_PREVIOUS' | 'WEBHOOK_SIGNING_KEY' | 'WEBHOOK_SIGNING_KEY_PREVIOUS'>;
  logger: Logger;
  redis: Redis;
  /** where woken deliveries are */
  queue: AppQueue<'webhook'>;
  /** 'webhook.endpoint' enabled */
  events: Pick<EventPublisher, 'publish'>;
}

/**
 * Webhook destinations (behind the API key, admin keys only):
 *   GET  /webhooks/endpoints              each URL's state, backlog, last error, latency
 *   POST /webhooks/endpoints/:id/enable   clears a 410's disable (and a pause), wakes held deliveries
 *   GET  /webhooks/public-key             the whpk_ key that verifies `v1a` signatures
 */
export function webhookEndpointsRouter(deps: WebhookEndpointsRouteDeps): Router {
  const router = Router();
  const store = new EndpointStore(deps.redis, redisKeys(deps.config.QUEUE_PREFIX));
  const waker = new BacklogWaker(deps.queue, store, deps.logger);

  router.get('/webhooks/endpoints', async (_req, res) => {
    const items = await store.list();
    res.json({ success: true, count: items.length, ratePerSecond: deps.config.WEBHOOK_ENDPOINT_RATE_PER_S || null, items });
  });

  router.post('/webhooks/endpoints/:id/enable', async (req, res) => {
    const id = String(req.params.id);
    if (!ENDPOINT_ID_RE.test(id)) throw new AppError('validation_failed', 'id: 16 hex digits, as GET /webhooks/endpoints lists it', { fields: [{ field: 'id', message: 'not an endpoint id' }] });
    const result = await enableEndpoint({ store, waker, logger: deps.logger, publish: (e) => deps.events.publish(e) }, id);
    if (!result) throw new AppError('not_found', `no webhook endpoint ${id}`);
    res.json({ success: true, ...result });
  });

  router.get('/webhooks/public-key', (_req, res) => {
    const keys = publicKeysFromConfig(deps.config);
    if (!keys.current) throw new AppError('not_found', 'no ed25519 key: set WEBHOOK_SIGNING_KEY (whsk_...) to sign v1a');
    res.json({ success: true, algorithm: 'ed25519', signatureVersion: 'v1a', publicKey: keys.current, ...(keys.previous ? { previousPublicKey: keys.previous } : {}) });
  });

  return router;
}
