import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { isPlainJson, limitBytes, readJsonBody } from '../fast-json';
import type { Config } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import type { AppQueue } from '../../queues/factory';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { StatusStore } from '../../messages/status-store';
import { messageView } from '../../messages/message-view';
import type { AddMessageResult, AddMessageService } from '../../messages/add-message-service';
import { canSee, Principal, setPrincipal } from '../access/principal';
import type { FrontHandler } from '../rooms/room';

export interface MessagesRouteDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'MESSAGE_RETENTION_DAYS'>;
  redis: Redis;
  queue: AppQueue<'message'>;
  /** the server's one service (shared with the fast path: one instance cache, one write batch) */
  addMessage: Pick<AddMessageService, 'add'>;
}

function idempotencyKey(req: IncomingMessage): string | undefined {
  const header = req.headers['idempotency-key'];
  return Array.isArray(header) ? header[0] : header;
}

/** Written directly: res.json's ETag hashing and freshness checks are of no use on a POST answer (hot path). */
function writeAccepted(res: ServerResponse, result: AddMessageResult): void {
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * Single messages (API key):
 *   POST /queue/add-message   validate, queue, answer 202 { success, jobId, messageId } in milliseconds
 *   GET  /messages/:messageId status, attempts and timestamps of one message
 */
export function messagesRouter(deps: MessagesRouteDeps): Router {
  const { config } = deps;
  const statuses = new StatusStore(deps.redis, redisKeys(config.QUEUE_PREFIX), config.MESSAGE_RETENTION_DAYS);
  const router = Router();

  // bodies the fast path leaves to Express (compressed, other charsets) arrive here
  router.post('/queue/add-message', async (req, res) => writeAccepted(res, await deps.addMessage.add(req.body, idempotencyKey(req))));

  router.get('/messages/:messageId', async (req, res) => {
    const id = String(req.params.messageId);
    if (!MESSAGE_ID_RE.test(id)) throw new AppError('validation_failed', 'messageId must be 8 to 64 letters or digits', { fields: [{ field: 'messageId', message: 'invalid' }] });
    const view = await messageView(id, statuses, deps.queue);
    // a scoped key sees only its instances' messages: the same 404 as an unknown id
    if (!view || !canSee(req, view.instanceId ?? '')) throw new AppError('not_found', `no message ${id} (unknown, or older than ${config.MESSAGE_RETENTION_DAYS} days)`);
    res.json({ success: true, message: view });
  });

  return router;
}

export interface FastPathDeps {
  /** the public room's API key check */
  auth: RequestHandler;
  /** the room's scope check of a scoped key, once the body is read (throws 403/404) */
  authorize?: (req: Parameters<RequestHandler>[0], body: unknown) => void;
  redis: Redis;
  /** the public room's BODY_LIMIT */
  bodyLimit: string;
  addMessage: Pick<AddMessageService, 'add'>;
}

/**
 * The hot path, mounted ahead of the generic middleware chain: a plain-JSON POST /queue/add-message
 * is authenticated, checked for Redis, read and answered here, with the same checks and errors as
 * the chain (API key 401, Redis 503, 413, 400 malformed JSON). Everything else passes through.
 */
export function addMessageFastPath(deps: FastPathDeps): RequestHandler {
  const { auth, addMessage } = deps;
  const limit = limitBytes(deps.bodyLimit);
  return (req, res, next) => {
    if (req.method !== 'POST' || (req.url !== '/queue/add-message' && !req.url.startsWith('/queue/add-message?')) || !isPlainJson(req)) return next();
    auth(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (deps.redis.status !== 'ready') return next(new AppError('redis_unavailable', `Redis is unreachable (connection ${deps.redis.status}); retry shortly`));
      readJsonBody(req, limit)
        .then((body) => {
          req.body = body;
          deps.authorize?.(req, body);
          return addMessage.add(body, idempotencyKey(req));
        })
        .then((result) => writeAccepted(res, result))
        .catch(next);
    });
  };
}

export interface FrontPathDeps {
  /** the admin principal when the request carries the admin key (scoped keys take the Express path) */
  adminOf: (req: IncomingMessage) => Principal | undefined;
  /** the room's rate count of the principal (429 error, RateLimit-* headers) */
  count: (res: ServerResponse, principal: Principal) => Promise<AppError | undefined>;
  redis: Redis;
  bodyLimit: string;
  addMessage: Pick<AddMessageService, 'add'>;
}

/**
 * The same hot path ahead of Express (rooms/room.ts FrontHandler): a plain-JSON POST
 * /queue/add-message with the admin key, Redis up. Anything else (no or a scoped key, Redis away,
 * another content type) is left untouched to the Express chain and its fast path above, which
 * give the 401/403/503/415 answers; errors after the key check (413, 400, 429, validation,
 * unknown instance) go through fail() to the app's error handler.
 */
export function addMessageFront(deps: FrontPathDeps): FrontHandler {
  const { addMessage } = deps;
  const limit = limitBytes(deps.bodyLimit);
  return (req, res, fail) => {
    if (req.method !== 'POST' || (req.url !== '/queue/add-message' && !req.url?.startsWith('/queue/add-message?')) || !isPlainJson(req)) return false;
    const principal = deps.adminOf(req);
    if (!principal || deps.redis.status !== 'ready') return false;
    setPrincipal(req as Parameters<typeof setPrincipal>[0], principal);
    deps
      .count(res, principal)
      .then((limited) => {
        if (limited) throw limited;
        return readJsonBody(req, limit);
      })
      .then((body) => addMessage.add(body, idempotencyKey(req)))
      .then((result) => writeAccepted(res, result))
      .catch(fail);
    return true;
  };
}
