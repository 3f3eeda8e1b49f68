/**
 * The send path of a BaileysSession (baileys-session.ts): messages, read receipts, presence.
 * Each checks our own 'connected' status first (SessionView.connected) and turns any failure into
 * an AppError with a code the workers act on (send-errors.ts). The caller's messageId becomes the
 * WhatsApp message id, so a retried job can never produce a second, differently-identified message.
 */
import type { Readable } from 'node:stream';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import { MESSAGE_ID_RE } from '../ids';
import type { WaAddress } from '../address';
import type { PresenceTarget, ReadTarget } from '../types';
import type { SendContent, SendResult } from '../../channels/content';
import { chatJidFor } from './addressing';
import type { WaSocketLike } from './socket-types';
import { buildOutbound, Outbound } from './outbound';
import { sendingExtras } from './outbound-extra';
import { quotableMessage, socketAlias } from './stored-chat';
import { classifySendError } from './send-errors';
import type { SessionView } from './session-view';

const MEDIA_FETCH_TIMEOUT_MS = 60_000;

export async function sendMessage(s: SessionView, to: WaAddress, content: SendContent, messageId: string): Promise<SendResult> {
  if (!MESSAGE_ID_RE.test(messageId)) throw new AppError('bad_request', 'messageId must be 8 to 64 letters or digits');
  const { sock, conn, store, baileys } = s.connected();
  const jid = await chatJid(s, sock, to);
  let out: Outbound | undefined;
  try {
    out = await buildOutbound(content, {
      jid,
      media: { timeoutMs: MEDIA_FETCH_TIMEOUT_MS, maxBytes: s.config.MEDIA_MAX_BYTES },
      extra: sendingExtras(baileys, s.config, s.log, MEDIA_FETCH_TIMEOUT_MS),
      quoted: (id) => quotableMessage(baileys, store, id, jid, socketAlias(baileys, sock)),
    });
    if (conn.sock !== sock) throw new AppError('instance_not_connected', `instance ${s.instanceId} lost its connection`);
    const sent = await sock.sendMessage(jid, out.content, { ...out.options, messageId, mediaUploadTimeoutMs: MEDIA_FETCH_TIMEOUT_MS });
    // kept whole (quote, mentions, expiry, media keys): a resend after a restart is the same message
    if (sent) await store.remember(withChatAlt(sent, to, jid));
    return { waMessageId: sent?.key?.id ?? messageId, jid, timestamp: Date.now() };
  } catch (err) {
    streamOf(out)?.destroy();
    throw classifySendError(err, s.instanceId, { group: to.kind === 'group' });
  }
}

export async function markRead(s: SessionView, targets: ReadTarget[]): Promise<void> {
  if (!targets.length) return;
  const { sock } = s.connected();
  const keys = await Promise.all(
    targets.map(async (t) => ({ remoteJid: await chatJid(s, sock, t.chat), id: t.messageId, fromMe: false, ...(t.participant ? { participant: t.participant.jid } : {}) })),
  );
  await sock.readMessages(keys).catch((err: unknown) => {
    throw classifySendError(err, s.instanceId);
  });
}

export async function sendPresence(s: SessionView, target: PresenceTarget): Promise<void> {
  const global = target.state === 'available' || target.state === 'unavailable';
  const { sock } = s.connected();
  // rc14 drops available/unavailable silently while the account's push name is unknown
  // (lib/Socket/chats.js:603-610 "no name present"; the <presence name> attribute needs it). Read
  // it from authState.creds.me: `sock.user` is a getter (lib/Socket/socket.js:931-933) that the
  // upper layers copy by value when they spread the socket (lib/Socket/chats.js:1149 `...sock`),
  // so it stays the `me` object of the socket's start and never sees the name set later.
  if (global && !(sock.authState?.creds.me ?? sock.user)?.name) throw new AppError('conflict', `instance ${s.instanceId} does not know its push name yet (WhatsApp sends it with the app-state sync), so WhatsApp would get no ${target.state} presence`);
  const jid = global ? undefined : await chatJid(s, sock, target.to);
  await sock.sendPresenceUpdate(target.state, jid).catch((err: unknown) => {
    throw classifySendError(err, s.instanceId);
  });
}

/** The address the chat uses (addressing.ts chatJidFor: the LID of a number when known). */
async function chatJid(s: SessionView, sock: WaSocketLike, address: WaAddress): Promise<string> {
  const baileys = s.built()?.d.baileys;
  const lidMapping = sock.signalRepository?.lidMapping;
  if (!baileys || !lidMapping?.getLIDForPN) return address.jid;
  return chatJidFor(baileys, address, (pn) => lidMapping.getLIDForPN!(pn));
}

/** The sent message with the chat's other identity (the phone JID of a send that went to its LID), so resend and quote lookups by either find it. */
function withChatAlt(sent: WAMessage, to: WaAddress, jid: string): WAMessage {
  if (to.kind !== 'pn' || to.jid === jid || sent.key.remoteJidAlt) return sent;
  sent.key = { ...sent.key, remoteJidAlt: to.jid };
  return sent;
}

function streamOf(out: Outbound | undefined): Readable | undefined {
  const c = out?.content as Record<string, { stream?: Readable } | undefined> | undefined;
  if (!c) return undefined;
  for (const k of ['image', 'video', 'audio', 'document', 'sticker']) if (c[k]?.stream) return c[k]?.stream;
  return undefined;
}
