import express, { Router } from 'express';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { AppError } from '../../shared/errors';
import type { AnyEventInput } from '../../events/envelope';
import { verifyHubSignature } from '../../messenger/signature';
import { inboundEvents, InboundDeps, PageWebhook } from '../../messenger/inbound';
import type { HttpRoom } from './room';

export const MESSENGER_PREFIX = '/messenger';

export interface MessengerRoomDeps {
  config: Pick<Config, 'MESSENGER_APP_SECRET' | 'MESSENGER_VERIFY_TOKEN' | 'BODY_LIMIT'>;
  logger: Logger;
  inbound: InboundDeps;
  /** the instance's webhook override (registry) */
  targetUrl: (instanceId: string) => Promise<string | undefined>;
  /** into the webhook queue before Facebook gets its 200 (EventPublisher.publishAndWait) */
  publish: (event: AnyEventInput) => Promise<unknown>;
}

/**
 * /messenger/webhook: Facebook's side, with its own auth instead of the API key.
 *   GET   the subscription check: hub.verify_token must equal MESSENGER_VERIFY_TOKEN; answers hub.challenge
 *   POST  events, X-Hub-Signature-256 checked on the raw body with MESSENGER_APP_SECRET (403 otherwise);
 *         200 only once every event is in Redis, so Facebook retries what we did not keep
 */
export function messengerRoom(deps: MessengerRoomDeps): HttpRoom {
  const { config } = deps;
  const router = Router();
  router.get('/webhook', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (!config.MESSENGER_VERIFY_TOKEN || q['hub.mode'] !== 'subscribe' || q['hub.verify_token'] !== config.MESSENGER_VERIFY_TOKEN) {
      throw new AppError('forbidden', 'hub.verify_token does not match MESSENGER_VERIFY_TOKEN');
    }
    res.status(200).type('text/plain').send(String(q['hub.challenge'] ?? ''));
  });
  // the signature is over the bytes Facebook sent: keep them raw, parse after the check
  router.post('/webhook', express.raw({ type: () => true, limit: config.BODY_LIMIT }), async (req, res) => {
    if (!config.MESSENGER_APP_SECRET) throw new AppError('forbidden', 'MESSENGER_APP_SECRET is not set: Facebook webhooks are refused');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyHubSignature(config.MESSENGER_APP_SECRET, raw, req.get('x-hub-signature-256'))) {
      deps.logger.warn('Facebook webhook refused: bad X-Hub-Signature-256', { bytes: raw.length });
      throw new AppError('forbidden', 'X-Hub-Signature-256 does not match the body');
    }
    let body: PageWebhook;
    try {
      body = JSON.parse(raw.toString('utf8')) as PageWebhook;
    } catch {
      throw new AppError('bad_request', 'body is not JSON');
    }
    const events = await inboundEvents(deps.inbound, body);
    const urls = new Map<string, string | undefined>();
    for (const e of events) {
      if (!urls.has(e.instanceId)) urls.set(e.instanceId, await deps.targetUrl(e.instanceId));
      const targetUrl = urls.get(e.instanceId);
      await deps.publish(targetUrl ? { ...e, targetUrl } : e);
    }
    res.status(200).type('text/plain').send('EVENT_RECEIVED');
  });
  return { name: 'messenger', prefix: MESSENGER_PREFIX, router };
}
