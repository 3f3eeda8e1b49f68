/**
 * A received (or sent) message's media, for a BaileysSession (baileys-session.ts): found in the
 * message store (message-store.ts), downloaded and decrypted by Baileys, re-uploaded by the phone
 * when WhatsApp's servers no longer have it.
 */
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import type { MediaDownload } from '../types';
import { contentOf, MEDIA_KEYS } from './inbound';
import { errorCode } from './send-errors';
import type { SessionView } from './session-view';

export async function downloadMedia(s: SessionView, messageId: string): Promise<MediaDownload> {
  const b = s.built();
  const msg = await b?.store.get(messageId);
  const found = b && msg ? contentOf(b.d.baileys, msg) : undefined;
  if (!b || !msg || !found || !MEDIA_KEYS.has(found.key)) {
    throw new AppError('not_found', `no media for message ${messageId} on instance ${s.instanceId} (the newest ${s.config.WA_MESSAGE_STORE_MAX} messages of the last ${s.config.WA_MESSAGE_STORE_TTL_HOURS} hours are kept)`);
  }
  const media = (found.content as Record<string, { mimetype?: string | null; fileLength?: unknown; fileName?: string | null }>)[found.key];
  const sock = b.conn.sock;
  // Media older than a few weeks is gone from WhatsApp's servers (404/410): ask the phone to re-upload.
  const reuploadRequest = (m: WAMessage) =>
    sock && s.state.status === 'connected' ? sock.updateMediaMessage(m) : Promise.reject(new AppError('instance_not_connected', 'media expired and the instance is not connected to ask for a re-upload'));
  try {
    const stream = await b.d.baileys.downloadMediaMessage(msg, 'stream', {}, { logger: b.d.waLogger, reuploadRequest });
    const size = media.fileLength != null ? Number(b.d.baileys.toNumber(media.fileLength as number)) : undefined;
    return { mimetype: media.mimetype ?? 'application/octet-stream', size: size || undefined, fileName: media.fileName ?? undefined, stream };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = errorCode(err);
    if (code === 404 || code === 410) throw new AppError('not_found', `media of message ${messageId} is no longer on WhatsApp's servers`);
    throw new AppError('transient', `media download failed: ${(err as Error).message}`);
  }
}
