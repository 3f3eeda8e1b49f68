import { ByteCap } from '../../shared/byte-cap';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import { MESSAGE_ID_RE } from '../../whatsapp/ids';
import { simulatedIncomingSchema } from '../../whatsapp/sandbox/incoming';
import { simulatedRestrictionSchema } from '../../whatsapp/sandbox/restriction';
import { restrictionView } from '../../whatsapp/restriction/rules';
import { isSandboxSession } from '../../whatsapp/sandbox/driver';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import { paramInstanceId } from './instances';

/**
 * Incoming media and the sandbox's incoming messages (behind the API key):
 *   GET  /instance/:id/media/:messageId        streams the media of a received message (MEDIA_MAX_BYTES, else 413)
 *   POST /instance/:id/sandbox/incoming        makes a sandbox instance "receive" a message (404 with Baileys)
 *   POST /instance/:id/sandbox/restriction     plays WhatsApp's timelock / new-chat cap notifications (404 with Baileys)
 */
export interface InstanceMediaRouteDeps {
  config: Pick<Config, 'MEDIA_MAX_BYTES'>;
  logger: Logger;
  sessions: Pick<SessionManager, 'session' | 'connectedSession' | 'driverName'>;
}

export function instanceMediaRouter(deps: InstanceMediaRouteDeps): Router {
  const router = Router();
  const maxBytes = deps.config.MEDIA_MAX_BYTES;

  router.get('/instance/:id/media/:messageId', async (req, res) => {
    const { sessions } = deps;
    const instanceId = paramInstanceId(req);
    const messageId = String(req.params.messageId);
    if (!MESSAGE_ID_RE.test(messageId)) throw new AppError('bad_request', 'messageId must be 8 to 64 letters or digits');
    // Any live session may serve media it already holds; none at all: 404 or 409 as for a send.
    const session = sessions.session(instanceId) ?? (await sessions.connectedSession(instanceId));
    const media = await session.downloadMedia(messageId);
    if (media.size !== undefined && media.size > maxBytes) {
      (media.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new AppError('payload_too_large', `media is ${media.size} bytes, above MEDIA_MAX_BYTES (${maxBytes})`, { size: media.size, limit: maxBytes });
    }
    res.status(200).type(media.mimetype);
    if (media.size !== undefined) res.set('Content-Length', String(media.size));
    if (media.fileName) res.attachment(media.fileName);
    // Size unknown up front: the cap is enforced while streaming (the response is cut off past it).
    await pipeline(media.stream, new ByteCap(maxBytes), res).catch((err: Error) => {
      deps.logger.warn('media stream ended early', { instanceId, messageId, error: err.message });
      res.destroy();
    });
  });

  router.post('/instance/:id/sandbox/incoming', async (req, res) => {
    const { sessions } = deps;
    if (sessions.driverName !== 'sandbox') throw new AppError('not_found', 'sandbox routes exist only with WHATSAPP_DRIVER=sandbox');
    const instanceId = paramInstanceId(req);
    const input = parseInput(simulatedIncomingSchema, req.body ?? {});
    const session = await sessions.connectedSession(instanceId);
    if (!isSandboxSession(session)) throw new AppError('not_found', 'not a sandbox session');
    const data = session.simulateIncoming(input);
    res.status(201).json({ success: true, instanceId, message: data });
  });

  router.post('/instance/:id/sandbox/restriction', async (req, res) => {
    const { sessions } = deps;
    if (sessions.driverName !== 'sandbox') throw new AppError('not_found', 'sandbox routes exist only with WHATSAPP_DRIVER=sandbox');
    const instanceId = paramInstanceId(req);
    const input = parseInput(simulatedRestrictionSchema, req.body ?? {});
    const session = await sessions.connectedSession(instanceId);
    if (!isSandboxSession(session)) throw new AppError('not_found', 'not a sandbox session');
    const state = await session.simulateRestriction(input);
    res.status(200).json({ success: true, instanceId, restriction: restrictionView(state, Date.now()) });
  });

  return router;
}
