import { Router, RequestHandler } from 'express';
import { z } from 'zod';
import type { ServerDeps } from '../server-app';
import { parseInput } from '../validate';
import { safeEqual } from '../auth';
import { requireRedis } from '../health';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { parseRecipient } from '../../whatsapp/phone';
import { sendContentSchema } from '../../whatsapp/content-schema';
import { ledgerTtlSeconds, SendLedger } from '../../whatsapp/send-ledger';
import { INSTANCE_ID_RE } from '../../whatsapp/types';
import { requireSessions } from './instances';

const instanceId = z.string().regex(INSTANCE_ID_RE, '1 to 64 letters, digits, _ or -');
const recipient = z.string().min(1).max(64);

const sendBody = z.object({
  instanceId,
  to: recipient,
  content: sendContentSchema,
  messageId: z.string().regex(MESSAGE_ID_RE, '8 to 64 letters or digits'),
});
const presenceBody = z.object({ instanceId, to: recipient, state: z.enum(['composing', 'recording', 'paused', 'available', 'unavailable']) });
const readTarget = z.object({ chatId: recipient, messageId: z.string().min(1).max(128), participant: z.string().max(64).optional() });
const readBody = z.union([
  z.object({ instanceId, messages: z.array(readTarget).min(1).max(500) }),
  readTarget.extend({ instanceId }),
]);

/** Only `Authorization: Bearer <INTERNAL_TOKEN>`: the workers' credential, never the public API key. */
function requireInternalToken(token: string): RequestHandler {
  return (req, _res, next) => {
    const auth = req.headers.authorization ?? '';
    const presented = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
    if (!presented || !safeEqual(presented, token)) return next(new AppError('unauthorized', 'missing or invalid internal token (Authorization: Bearer <INTERNAL_TOKEN>)'));
    next();
  };
}

function checkRecipient(to: string): string {
  const r = parseRecipient(to);
  if (!r) throw new AppError('invalid_recipient', `not a phone number or group id: ${to}`, { to });
  return r.jid;
}

/**
 * The internal API the workers send through (loopback, INTERNAL_TOKEN), mounted before the API key:
 *   POST /internal/send      {instanceId, to, content, messageId}  idempotent on messageId
 *   POST /internal/presence  {instanceId, to, state}               typing simulation
 *   POST /internal/read      {instanceId, chatId, messageId, participant?} or {instanceId, messages: [...]}
 */
export function internalRouter(deps: ServerDeps): Router {
  const router = Router();
  const ledger = new SendLedger(deps.redis, redisKeys(deps.config.QUEUE_PREFIX), deps.logger, { ttlSeconds: ledgerTtlSeconds(deps.config) });
  router.use('/internal', requireInternalToken(deps.config.INTERNAL_TOKEN), requireRedis(deps.redis));

  router.post('/internal/send', async (req, res) => {
    const body = parseInput(sendBody, req.body ?? {});
    checkRecipient(body.to);
    const sessions = requireSessions(deps);
    const { result, duplicate } = await ledger.once(body.instanceId, body.messageId, async () => {
      const session = await sessions.connectedSession(body.instanceId);
      return session.send(body.to, body.content, body.messageId);
    });
    res.json({ success: true, waMessageId: result.waMessageId, jid: result.jid, timestamp: result.timestamp, duplicate });
  });

  router.post('/internal/presence', async (req, res) => {
    const body = parseInput(presenceBody, req.body ?? {});
    checkRecipient(body.to);
    const session = await requireSessions(deps).connectedSession(body.instanceId);
    await session.sendPresence({ to: body.to, state: body.state });
    res.json({ success: true });
  });

  router.post('/internal/read', async (req, res) => {
    const body = parseInput(readBody, req.body ?? {});
    const targets = 'messages' in body ? body.messages : [{ chatId: body.chatId, messageId: body.messageId, participant: body.participant }];
    for (const t of targets) checkRecipient(t.chatId);
    const session = await requireSessions(deps).connectedSession(body.instanceId);
    await session.markRead(targets.map((t) => ({ ...t, chatId: checkRecipient(t.chatId) })));
    res.json({ success: true, count: targets.length });
  });

  return router;
}
