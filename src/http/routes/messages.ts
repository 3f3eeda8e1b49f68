import { Router } from 'express';
import type { ServerDeps } from '../server-app';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import { assertPublicHttpUrl } from '../../shared/url-guard';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { InstanceRegistry } from '../../whatsapp/instance-registry';
import { InstanceCache } from '../../messages/instance-cache';
import { MessageEnqueuer } from '../../messages/enqueuer';
import { messageJobAttempts } from '../../messages/job-options';
import { parseAddMessage } from '../../messages/request-schema';
import { StatusStore } from '../../messages/status-store';
import { messageView } from '../../messages/message-view';

/**
 * Single messages (API key):
 *   POST /queue/add-message   validate, queue, answer 202 { success, jobId, messageId } in milliseconds
 *   GET  /messages/:messageId status, attempts and timestamps of one message
 * The hot path does no Redis work besides writing the job (and the idempotency claim when a key is
 * given): the registry answer is cached briefly and writes are batched (MessageEnqueuer).
 */
export function messagesRouter(deps: ServerDeps): Router {
  const { config } = deps;
  const keys = redisKeys(config.QUEUE_PREFIX);
  const instances = new InstanceCache(new InstanceRegistry(deps.redis, keys), config.INSTANCE_CACHE_MS);
  const enqueuer = new MessageEnqueuer(deps.queues.message, deps.redis, keys, {
    idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    attempts: messageJobAttempts(config),
  });
  const statuses = new StatusStore(deps.redis, keys, config.MESSAGE_RETENTION_DAYS);
  const limits = { maxScheduleMs: config.MESSAGE_MAX_SCHEDULE_DAYS * 86_400_000 };
  const router = Router();

  router.post('/queue/add-message', async (req, res) => {
    const header = req.headers['idempotency-key'];
    const input = parseAddMessage(req.body, Array.isArray(header) ? header[0] : header, limits);
    if (!(await instances.get(input.instanceId))) throw new AppError('instance_not_found', `instance ${input.instanceId} does not exist`, { instanceId: input.instanceId });
    if ('url' in input.content) {
      await assertPublicHttpUrl(input.content.url, { allowPrivate: config.ALLOW_PRIVATE_MEDIA_URLS, dnsTimeoutMs: config.MEDIA_URL_DNS_TIMEOUT_MS, field: 'mediaUrl' });
    }
    const queued = await enqueuer.enqueue(input);
    const body: Record<string, unknown> = { success: true, jobId: queued.jobId, messageId: queued.messageId, status: 'queued', instanceId: input.instanceId, to: input.to };
    if (queued.duplicate) body.duplicate = true;
    if (input.delayMs > 0) body.scheduledFor = new Date(Date.now() + input.delayMs).toISOString();
    // written directly: res.json's ETag hashing and freshness checks are of no use on a POST answer
    const text = JSON.stringify(body);
    res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
  });

  router.get('/messages/:messageId', async (req, res) => {
    const id = String(req.params.messageId);
    if (!MESSAGE_ID_RE.test(id)) throw new AppError('validation_failed', 'messageId must be 8 to 64 letters or digits', { fields: [{ field: 'messageId', message: 'invalid' }] });
    const view = await messageView(id, statuses, deps.queues.message);
    if (!view) throw new AppError('not_found', `no message ${id} (unknown, or older than ${config.MESSAGE_RETENTION_DAYS} days)`);
    res.json({ success: true, message: view });
  });

  return router;
}
