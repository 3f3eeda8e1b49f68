/**
 * SendContent (the session interface's content) -> Baileys' AnyMessageContent and send options.
 * Text has no link preview unless asked, and one made by link-preview.ts when asked (`linkPreview`
 * is always set, so Baileys never fetches a URL itself); polls, stickers, edits, deletes and voice
 * notes are built in outbound-extra.ts; media is fetched by media-fetch.ts (http(s) only,
 * deadline, size cap); a contact without a vCard gets one built from its phone; quoting uses the
 * message store (stored-chat.ts quotableMessage: the quoted text and author), or a minimal stand-in
 * quote (id and chat only) when it is not stored.
 */
import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import { normalizePhone } from '../phone';
import { requireUserAddress } from '../address';
import type { SendContent } from '../../channels/content';
import { fetchMedia, MediaFetchOptions } from './media-fetch';
import { assertOwnTarget, audioContent, deleteContent, editContent, pollContent, SendingExtras, stickerContent, textContent } from './outbound-extra';

export interface OutboundContext {
  jid: string;
  media: MediaFetchOptions;
  /** link previews and voice notes (outbound-extra.ts sendingExtras) */
  extra: SendingExtras;
  /** a stored message by id (incoming or sent) from this chat, ready to quote (stored-chat.ts quotableMessage) */
  quoted(messageId: string): Promise<WAMessage | undefined>;
}

export interface Outbound {
  content: AnyMessageContent;
  options: Pick<MiscMessageGenerationOptions, 'quoted'>;
}

/** A user JID for a mention or a reaction's participant: phone, PN JID or LID JID. */
export function userJid(input: string): string {
  return requireUserAddress(input, 'mention').jid;
}

export async function buildOutbound(c: SendContent, ctx: OutboundContext): Promise<Outbound> {
  const quotedId = 'quotedId' in c ? c.quotedId : undefined;
  const options: Outbound['options'] = quotedId ? { quoted: await quotedMessage(quotedId, ctx) } : {};
  const mentions = 'mentions' in c && c.mentions?.length ? { mentions: c.mentions.map(userJid) } : {};
  switch (c.type) {
    case 'text':
      return { content: await textContent(c, mentions, ctx), options };
    case 'image': {
      const m = await fetchMedia(c.url, ctx.media);
      return { content: { image: { stream: m.stream }, caption: c.caption, mimetype: c.mimetype ?? imageType(m.mimetype), ...mentions }, options };
    }
    case 'video': {
      const m = await fetchMedia(c.url, ctx.media);
      return { content: { video: { stream: m.stream }, caption: c.caption, mimetype: c.mimetype ?? m.mimetype ?? 'video/mp4', ...mentions }, options };
    }
    case 'audio':
      // a voice note (ptt) must be Ogg/Opus for phones to play it inline: transcoded there
      return { content: await audioContent(c, ctx), options };
    case 'sticker':
      return { content: await stickerContent(c, ctx.media), options };
    case 'poll':
      return { content: pollContent(c), options };
    case 'edit':
      assertOwnTarget(await ctx.quoted(c.targetId), c.targetId, 'edit');
      return { content: editContent(c, ctx.jid), options: {} };
    case 'delete':
      assertOwnTarget(await ctx.quoted(c.targetId), c.targetId, 'delete');
      return { content: deleteContent(c, ctx.jid), options: {} };
    case 'document': {
      const m = await fetchMedia(c.url, ctx.media);
      const fileName = c.fileName ?? fileNameOf(c.url);
      return {
        content: { document: { stream: m.stream }, mimetype: c.mimetype ?? m.mimetype ?? 'application/octet-stream', fileName, caption: c.caption },
        options,
      };
    }
    case 'location':
      return { content: { location: { degreesLatitude: c.latitude, degreesLongitude: c.longitude, name: c.name, address: c.address } }, options };
    case 'contact': {
      const vcard = c.vcard ?? vcardFor(c.displayName, c.phone);
      return { content: { contacts: { displayName: c.displayName, contacts: [{ displayName: c.displayName, vcard }] } }, options };
    }
    case 'reaction': {
      const isGroup = ctx.jid.endsWith('@g.us');
      const key = {
        remoteJid: ctx.jid,
        id: c.targetId,
        fromMe: Boolean(c.targetFromMe),
        ...(isGroup && c.targetParticipant && !c.targetFromMe ? { participant: userJid(c.targetParticipant) } : {}),
      };
      return { content: { react: { text: c.emoji, key } }, options: {} };
    }
    default:
      throw new AppError('bad_request', `unsupported content type ${(c as { type?: string }).type}`);
  }
}

async function quotedMessage(quotedId: string, ctx: OutboundContext): Promise<WAMessage> {
  const known = await ctx.quoted(quotedId);
  if (known?.message) return known;
  // Not stored (or from another chat): quote by id only. Phones find the original by stanzaId; the preview is empty.
  return { key: { remoteJid: ctx.jid, id: quotedId, fromMe: false }, message: { conversation: '' } } as WAMessage;
}

/** A minimal vCard 3.0 with WhatsApp's waid parameter, so phones offer "Message". */
export function vcardFor(displayName: string, phone: string | undefined): string {
  const digits = phone ? normalizePhone(phone) : undefined;
  if (!digits) throw new AppError('bad_request', 'a contact needs a vcard or a valid phone');
  const name = displayName.replace(/[\r\n]+/g, ' ').trim();
  return ['BEGIN:VCARD', 'VERSION:3.0', `FN:${name}`, `TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`, 'END:VCARD'].join('\n');
}

function imageType(served: string | undefined): string {
  return served && served.startsWith('image/') ? served : 'image/jpeg';
}

function fileNameOf(url: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return last || 'file';
  } catch {
    return 'file';
  }
}
