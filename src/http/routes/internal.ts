import type { ServerResponse } from 'node:http';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { parseInput } from '../../shared/parse-input';
import { redisKeys } from '../../shared/keys';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { requireUserAddress, requireWaAddress } from '../../whatsapp/address';
import { sendContentSchema } from '../../whatsapp/content-schema';
import { ledgerTtlSeconds, SendLedger } from '../../whatsapp/send-ledger';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import { MAX_CHECK_PHONES, NumberChecker } from '../../whatsapp/numbers/number-check';
import type { WriteFence } from '../../whatsapp/host/fence';
import { AppError } from '../../shared/errors';
import { isPlainJson, limitBytes, readJsonBody } from '../fast-json';
import { safeEqual } from '../auth';
import type { FrontHandler } from '../rooms/room';

const instanceId = z.string().regex(INSTANCE_ID_RE, '1 to 64 letters, digits, _ or -');
const recipient = z.string().min(1).max(64);

const sendBody = z.object({
  instanceId,
  to: recipient,
  content: sendContentSchema,
  messageId: z.string().regex(MESSAGE_ID_RE, '8 to 64 letters or digits'),
});
const checkBody = z.object({ instanceId, phones: z.array(recipient).min(1).max(MAX_CHECK_PHONES) });
const presenceBody = z.object({ instanceId, to: recipient, state: z.enum(['composing', 'recording', 'paused', 'available', 'unavailable']) });
const readTarget = z.object({ chatId: recipient, messageId: z.string().min(1).max(128), participant: z.string().max(64).optional() });
const readBody = z.union([
  z.object({ instanceId, messages: z.array(readTarget).min(1).max(500) }),
  readTarget.extend({ instanceId }),
]);

export interface InternalRouteDeps {
  config: Pick<Config, 'QUEUE_PREFIX' | 'IDEMPOTENCY_TTL_SECONDS' | 'MESSAGE_RETENTION_DAYS'>;
  logger: Logger;
  redis: Redis;
  sessions: Pick<SessionManager, 'connectedSession'>;
  /** the cached number checks the public check-numbers route uses too */
  numbers: Pick<NumberChecker, 'check'>;
  /**
   * sharded servers: the fence of this shard's lease of an instance (a never-current one when it
   * holds none), so a send reaching a shard that does not hold the instance answers not_owner
   */
  fence?: (instanceId: string) => { fence: WriteFence; held: boolean };
}

/** The server's send ledger (one per server: the room's route and the front path share it). */
export function sendLedger(deps: Pick<InternalRouteDeps, 'redis' | 'config' | 'logger'>): SendLedger {
  return new SendLedger(deps.redis, redisKeys(deps.config.QUEUE_PREFIX), deps.logger, { ttlSeconds: ledgerTtlSeconds(deps.config) });
}

/** Sharded: the routes that need the socket refuse an instance this shard does not hold (the worker re-resolves). */
function requireHeld(deps: InternalRouteDeps, instanceId: string): void {
  if (deps.fence && !deps.fence(instanceId).held) throw new AppError('not_owner', `this shard does not hold instance ${instanceId}`, { instanceId }, { retryAfterMs: 500 });
}

/** POST /internal/send's work: validate, then the ledger's idempotent send; the answer's body. */
export function internalSend(deps: InternalRouteDeps, ledger: SendLedger): (input: unknown) => Promise<Record<string, unknown>> {
  return async (input) => {
    const body = parseInput(sendBody, input ?? {});
    const to = requireWaAddress(body.to);
    const { result, duplicate } = await ledger.once(
      body.instanceId,
      body.messageId,
      async () => {
        const session = await deps.sessions.connectedSession(body.instanceId);
        return session.send(to, body.content, body.messageId);
      },
      deps.fence?.(body.instanceId).fence,
    );
    return { success: true, waMessageId: result.waMessageId, jid: result.jid, timestamp: result.timestamp, duplicate };
  };
}

/** Written directly: res.json's ETag hashing is of no use to the workers (one send per message, hot path). */
function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * POST /internal/send ahead of Express (rooms/room.ts FrontHandler): plain JSON with the right
 * token and Redis up; anything else is left to the internal room (its 401, 415, 503 answers).
 * The sends of one server share one ledger with the room's route.
 */
export function internalSendFront(deps: InternalRouteDeps & { token: string; bodyLimit: string }, ledger: SendLedger): FrontHandler {
  const send = internalSend(deps, ledger);
  const limit = limitBytes(deps.bodyLimit);
  const expected = `Bearer ${deps.token}`;
  return (req, res, fail) => {
    if (req.method !== 'POST' || req.url !== '/internal/send' || !isPlainJson(req) || deps.redis.status !== 'ready') return false;
    // the exact header the workers send; any other form takes the room's check (requireInternalToken)
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || auth.length !== expected.length || !safeEqual(auth, expected)) return false;
    readJsonBody(req, limit)
      .then(send)
      .then((body) => writeJson(res, 200, body))
      .catch(fail);
    return true;
  };
}

/**
 * The internal API the workers send through; the internal room mounts it under /internal with the
 * INTERNAL_TOKEN check (paths here are relative to that prefix):
 *   POST /internal/send      {instanceId, to, content, messageId}  idempotent on messageId
 *   POST /internal/presence  {instanceId, to, state}               typing simulation
 *   POST /internal/read      {instanceId, chatId, messageId, participant?} or {instanceId, messages: [...]}
 *   POST /internal/check     {instanceId, phones}                  checkNumber(s): is it on WhatsApp, in which form
 */
export function internalRoutes(deps: InternalRouteDeps, ledger = sendLedger(deps)): Router {
  const router = Router();
  const { sessions } = deps;

  const send = internalSend(deps, ledger);
  router.post('/send', async (req, res) => writeJson(res, 200, await send(req.body)));

  // the workers resolve a checkNumber(s) recipient here: the lookup needs the socket, the cache is the server's
  router.post('/check', async (req, res) => {
    const body = parseInput(checkBody, req.body ?? {});
    requireHeld(deps, body.instanceId);
    res.json({ success: true, results: await deps.numbers.check(body.instanceId, body.phones) });
  });

  router.post('/presence', async (req, res) => {
    const body = parseInput(presenceBody, req.body ?? {});
    const to = requireWaAddress(body.to);
    requireHeld(deps, body.instanceId);
    const session = await sessions.connectedSession(body.instanceId);
    await session.sendPresence({ to, state: body.state });
    res.json({ success: true });
  });

  router.post('/read', async (req, res) => {
    const body = parseInput(readBody, req.body ?? {});
    const targets = 'messages' in body ? body.messages : [{ chatId: body.chatId, messageId: body.messageId, participant: body.participant }];
    // every target is parsed before anything is marked: one bad id refuses the whole request
    const parsed = targets.map((t) => ({ chat: requireWaAddress(t.chatId, 'chatId'), messageId: t.messageId, participant: t.participant ? requireUserAddress(t.participant) : undefined }));
    requireHeld(deps, body.instanceId);
    const session = await sessions.connectedSession(body.instanceId);
    await session.markRead(parsed);
    res.json({ success: true, count: targets.length });
  });

  return router;
}
