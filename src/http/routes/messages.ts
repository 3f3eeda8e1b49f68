import { Router, RequestHandler } from 'express';
import type { ServerDeps } from '../server-app';
import { requireKey } from '../auth';
import { isPlainJson, limitBytes, readJsonBody } from '../fast-json';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { StatusStore } from '../../messages/status-store';
import { messageView } from '../../messages/message-view';
import { addMessageService } from '../../messages/add-message-service';

/**
 * Single messages (API key):
 *   POST /queue/add-message   validate, queue, answer 202 { success, jobId, messageId } in milliseconds
 *   GET  /messages/:messageId status, attempts and timestamps of one message
 */
export function messagesRouter(deps: ServerDeps): Router {
  const { config } = deps;
  const statuses = new StatusStore(deps.redis, redisKeys(config.QUEUE_PREFIX), config.MESSAGE_RETENTION_DAYS);
  const service = addMessageService(deps);
  const router = Router();

  // bodies the fast path leaves to Express (compressed, other charsets) arrive here
  router.post('/queue/add-message', (req, res) => service.handle(req, res));

  router.get('/messages/:messageId', async (req, res) => {
    const id = String(req.params.messageId);
    if (!MESSAGE_ID_RE.test(id)) throw new AppError('validation_failed', 'messageId must be 8 to 64 letters or digits', { fields: [{ field: 'messageId', message: 'invalid' }] });
    const view = await messageView(id, statuses, deps.queues.message);
    if (!view) throw new AppError('not_found', `no message ${id} (unknown, or older than ${config.MESSAGE_RETENTION_DAYS} days)`);
    res.json({ success: true, message: view });
  });

  return router;
}

/**
 * The hot path, mounted ahead of the generic middleware chain: a plain-JSON POST /queue/add-message
 * is authenticated, checked for Redis, read and answered here, with the same checks and errors as
 * the chain (API key 401, Redis 503, 413, 400 malformed JSON). Everything else passes through.
 */
export function addMessageFastPath(deps: ServerDeps): RequestHandler {
  const service = addMessageService(deps);
  const limit = limitBytes(deps.config.BODY_LIMIT);
  const auth = requireKey(deps.config.API_KEY);
  return (req, res, next) => {
    if (req.method !== 'POST' || (req.url !== '/queue/add-message' && !req.url.startsWith('/queue/add-message?')) || !isPlainJson(req)) return next();
    auth(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (deps.redis.status !== 'ready') return next(new AppError('redis_unavailable', `Redis is unreachable (connection ${deps.redis.status}); retry shortly`));
      readJsonBody(req, limit)
        .then((body) => {
          req.body = body;
          return service.handle(req, res);
        })
        .catch(next);
    });
  };
}
