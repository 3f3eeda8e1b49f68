/**
 * The builders outbound.ts calls for polls, stickers, edits, deletes, voice notes and link
 * previews: SendContent -> the AnyMessageContent Baileys' generateWAMessageContent
 * (Utils/messages.js) reads. sendMessage (Socket/messages-send.js:1090-1123) adds what the stanza
 * needs from the same fields: `edit="7"` for a delete of our own message, `edit="1"` for an edit,
 * a <meta polltype="creation"/> for a poll.
 */
import type { AnyMessageContent, WAMessage, WAMessageKey } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { SendContent } from '../../channels/content';
import { fetchMedia, MediaFetchOptions } from './media-fetch';
import { linkPreviewFor, LinkPreviewOptions } from './link-preview';
import type { Baileys } from './loader';
import { ffmpegAvailable, toVoiceNote, VoiceNoteOptions } from './voice-note';

type Of<T extends SendContent['type']> = Extract<SendContent, { type: T }>;

/** What previews and voice notes need (outbound.ts's OutboundContext carries it as `extra`). */
export interface SendingExtras {
  baileys: Pick<Baileys, 'extractUrlFromText' | 'extractImageThumb'>;
  log: Logger;
  preview: LinkPreviewOptions;
  voice: VoiceNoteOptions;
}

export interface ExtraContext {
  jid: string;
  media: MediaFetchOptions;
  extra: SendingExtras;
}

/** Link preview deadline; Baileys' own fetch gives a page 3 s (Socket/messages-send.js:1074). */
const LINK_PREVIEW_TIMEOUT_MS = 5_000;

/** The extras of a session's sends, from its config (the media URL guard's settings, MEDIA_MAX_BYTES). */
export function sendingExtras(
  baileys: SendingExtras['baileys'],
  config: { ALLOW_PRIVATE_MEDIA_URLS: boolean; MEDIA_URL_DNS_TIMEOUT_MS: number; MEDIA_MAX_BYTES: number },
  log: Logger,
  mediaTimeoutMs: number,
): SendingExtras {
  return {
    baileys,
    log,
    preview: { timeoutMs: LINK_PREVIEW_TIMEOUT_MS, allowPrivate: config.ALLOW_PRIVATE_MEDIA_URLS, dnsTimeoutMs: config.MEDIA_URL_DNS_TIMEOUT_MS },
    voice: { timeoutMs: mediaTimeoutMs, maxBytes: config.MEDIA_MAX_BYTES },
  };
}

/**
 * Utils/messages.js:428-461: `poll: { name, values, selectableCount }`; selectableCount 1 becomes a
 * pollCreationMessageV3 (single choice), any other a pollCreationMessage; Baileys adds the 32-byte
 * messageSecret the votes are encrypted with.
 */
export function pollContent(c: Of<'poll'>): AnyMessageContent {
  return { poll: { name: c.name, values: [...c.options], selectableCount: c.selectableCount } };
}

/** A message this number sent in this chat (fromMe: sendMessage then marks a delete edit="7", not an admin's "8"). */
export function ownKey(jid: string, id: string): WAMessageKey {
  return { remoteJid: jid, id, fromMe: true };
}

/**
 * Utils/messages.js:514-522: `edit: key` wraps the new content in a protocolMessage MESSAGE_EDIT.
 * `linkPreview: null` keeps Baileys from fetching a preview for the new text (messages.js:278).
 */
export function editContent(c: Of<'edit'>, jid: string): AnyMessageContent {
  return { text: c.text, edit: ownKey(jid, c.targetId), linkPreview: null };
}

/**
 * Only the sender can edit or delete-for-everyone a message (phones ignore anything else): a target
 * the message store knows in this chat as someone else's is refused here; an unknown one (older
 * than the store, or sent from the phone) goes, and WhatsApp decides.
 */
export function assertOwnTarget(stored: WAMessage | undefined, targetId: string, action: 'edit' | 'delete'): void {
  if (stored && stored.key.fromMe === false) {
    throw new AppError('bad_request', `cannot ${action} message ${targetId}: it was not sent by this number (only the sender can ${action} a message for everyone)`);
  }
}

/** Utils/messages.js:328-332: `delete: key` is a protocolMessage REVOKE (deleted for everyone). */
export function deleteContent(c: Of<'delete'>, jid: string): AnyMessageContent {
  return { delete: ownKey(jid, c.targetId) };
}

/** WhatsApp's stickers are WebP (Utils/messages.js:18 MIMETYPE_MAP.sticker); other images are refused. */
export async function stickerContent(c: Of<'sticker'>, media: MediaFetchOptions): Promise<AnyMessageContent> {
  const m = await fetchMedia(c.url, media);
  if (m.mimetype && m.mimetype !== 'image/webp' && m.mimetype !== 'application/octet-stream') {
    m.stream.destroy();
    throw new AppError('bad_request', `a sticker must be a WebP image; the url served ${m.mimetype}`);
  }
  return { sticker: { stream: m.stream }, mimetype: 'image/webp' };
}

/** Text, with a preview of its first link when asked and one could be made (never a failed send). */
export async function textContent(c: Of<'text'>, mentions: { mentions?: string[] }, ctx: ExtraContext): Promise<AnyMessageContent> {
  const preview = c.linkPreview ? await linkPreviewFor(ctx.extra.baileys, c.text, ctx.extra.preview, ctx.extra.log) : undefined;
  // null, not undefined: undefined would let Baileys fetch the page itself, unguarded (messages.js:279)
  return { text: c.text, ...mentions, linkPreview: preview ?? null };
}

let warnedNoFfmpeg = false;

/**
 * Audio. A voice note (ptt) is transcoded to Ogg/Opus with its seconds and waveform (voice-note.ts),
 * which Baileys then does not compute (messages.js:134-136); without ffmpeg it goes as a plain audio
 * file, which plays everywhere, rather than as a voice note that might not.
 */
export async function audioContent(c: Of<'audio'>, ctx: ExtraContext): Promise<AnyMessageContent> {
  const voice = Boolean(c.ptt) && (await ffmpegAvailable(ctx.extra.voice.ffmpeg));
  if (c.ptt && !voice && !warnedNoFfmpeg) {
    warnedNoFfmpeg = true;
    ctx.extra.log.warn('ffmpeg is not on PATH: voice notes (ptt) are sent as plain audio files until it is installed and whatsapp-server restarts (scripts/start.sh installs it)');
  }
  const m = await fetchMedia(c.url, ctx.media);
  if (!voice) return { audio: { stream: m.stream }, ptt: false, mimetype: c.mimetype ?? m.mimetype ?? 'audio/mpeg' };
  const note = await toVoiceNote(m.stream, ctx.extra.voice);
  // `waveform` is not in Baileys' AudioMessage options type, but prepareWAMessageMedia copies every
  // field into the AudioMessage (messages.js:136 checks it, messages.js:197-207 spreads it)
  const content = { audio: note.audio, ptt: true, mimetype: 'audio/ogg; codecs=opus', seconds: note.seconds, ...(note.waveform ? { waveform: note.waveform } : {}) };
  return content as AnyMessageContent;
}
