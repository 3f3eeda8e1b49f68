/**
 * Baileys messages -> the data of 'message.received' and 'message.undecryptable' events
 * (documented in docs/events.md). Content is unwrapped with normalizeMessageContent (ephemeral,
 * view-once, document-with-caption, edited wrappers) and typed with getContentType.
 */
import type { proto, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { LidForPn, PnForLid, resolveIdentity } from './addressing';
import type { Baileys } from './loader';
import type { MessageReceivedData, MessageUndecryptableData, ReceivedType, SenderData } from '../../events/message-data';


const TYPES: Record<string, ReceivedType> = {
  conversation: 'text',
  extendedTextMessage: 'text',
  imageMessage: 'image',
  videoMessage: 'video',
  ptvMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contact',
};

/**
 * Content keys that are not messages of their own: protocol traffic (key shares, history sync), and
 * what acts on another message (edits and revokes are protocolMessage; reactions and poll votes),
 * which conversation-events.ts reports as their own events.
 */
const NOT_MESSAGES = new Set(['protocolMessage', 'senderKeyDistributionMessage', 'messageContextInfo', 'keepInChatMessage', 'pollUpdateMessage', 'encReactionMessage', 'reactionMessage']);

export const MEDIA_KEYS = new Set(['imageMessage', 'videoMessage', 'ptvMessage', 'audioMessage', 'documentMessage', 'stickerMessage']);

type MediaContent = proto.Message.IImageMessage & proto.Message.IVideoMessage & proto.Message.IAudioMessage & proto.Message.IDocumentMessage & proto.Message.IStickerMessage;

/** The unwrapped content and its key; undefined for stubs and protocol traffic. */
export function contentOf(baileys: Baileys, msg: Pick<WAMessage, 'message'>): { key: string; content: proto.IMessage } | undefined {
  const content = baileys.normalizeMessageContent(msg.message ?? undefined);
  const key = content ? baileys.getContentType(content) : undefined;
  if (!content || !key || NOT_MESSAGES.has(key)) return undefined;
  return { key, content };
}

/** Chats that never produce message events: status stories and channels. */
export function ignoredChat(baileys: Baileys, jid: string | null | undefined): boolean {
  return !jid || baileys.isJidStatusBroadcast(jid) || baileys.isJidNewsletter(jid) === true;
}

/** The content's type as message.received reports it, its content key and its text. */
export function describeContent(baileys: Baileys, message: proto.IMessage | null | undefined): { type: ReceivedType; contentType: string | null; text: string | null } {
  const content = baileys.normalizeMessageContent(message ?? undefined);
  const key = content ? baileys.getContentType(content) : undefined;
  if (!content || !key) return { type: 'other', contentType: null, text: null };
  return { type: TYPES[key] ?? 'other', contentType: key, text: textOf(content, key) };
}

/**
 * Sender and chat of a message, both identities where known. A message this number sent from the
 * phone or another linked device (key.fromMe) is told the way Messenger echoes are: in 1:1 chats
 * from/fromJid/fromLid/lid are the contact the chat is with (what the CRM files the conversation
 * under), in groups the sender (this number). rc14 puts the *sender's* alternate address in
 * key.remoteJidAlt even when the sender is us (Utils/decode-wa-message.js:180 `remoteJidAlt:
 * senderAlt`, :76-87), so for our own 1:1 messages only remoteJid (the recipient, :119-126) is the
 * contact; its other identity comes from the LID mapping store.
 */
export async function senderOf(baileys: Baileys, msg: WAMessage, pnForLid?: PnForLid, lidForPn?: LidForPn): Promise<SenderData> {
  const key = msg.key;
  const chat = key.remoteJid ?? '';
  const isGroup = baileys.isJidGroup(chat) === true;
  const fromMe = key.fromMe === true;
  const sender = isGroup
    ? await resolveIdentity(baileys, key.participant ?? msg.participant, key.participantAlt, pnForLid)
    : await resolveIdentity(baileys, chat, fromMe ? undefined : key.remoteJidAlt, pnForLid);
  if (fromMe && !isGroup && !sender.lid && sender.pnJid && lidForPn) {
    const lid = await lidForPn(sender.pnJid).catch(() => null);
    if (lid && baileys.isLidUser(lid)) sender.lid = baileys.jidNormalizedUser(lid);
  }
  return {
    messageId: key.id ?? '',
    chatId: isGroup ? chat : sender.jid,
    isGroup,
    fromMe,
    from: sender.phone,
    fromJid: sender.jid,
    fromLid: sender.lid,
    lid: sender.lid,
    participant: isGroup ? sender.jid : null,
    participantLid: isGroup ? sender.lid : null,
    // our own 1:1 message carries our name, not the contact's (a CRM must not rename the contact)
    pushName: fromMe && !isGroup ? null : (msg.pushName ?? null),
    timestamp: Number(baileys.toNumber(msg.messageTimestamp ?? 0)) || Math.floor(Date.now() / 1000),
  };
}

export async function receivedData(baileys: Baileys, instanceId: string, msg: WAMessage, offline: boolean, pnForLid?: PnForLid, lidForPn?: LidForPn): Promise<MessageReceivedData | undefined> {
  const found = contentOf(baileys, msg);
  if (!found) return undefined;
  const { key, content } = found;
  const type = TYPES[key] ?? 'other';
  const inner = (content as Record<string, unknown>)[key];
  const body = typeof inner === 'object' && inner ? (inner as Record<string, unknown>) : {};
  const ctx = body.contextInfo as proto.IContextInfo | undefined;
  const data: MessageReceivedData = {
    ...(await senderOf(baileys, msg, pnForLid, lidForPn)),
    type,
    contentType: key,
    text: textOf(content, key),
    media: null,
    location: null,
    contact: null,
    reaction: null,
    quotedId: ctx?.stanzaId ?? null,
    mentions: ctx?.mentionedJid?.length ? ctx.mentionedJid : [],
    offline,
  };
  if (MEDIA_KEYS.has(key)) {
    const m = body as MediaContent;
    data.media = {
      mimetype: m.mimetype ?? null,
      size: m.fileLength != null ? Number(baileys.toNumber(m.fileLength)) : null,
      caption: m.caption ?? null,
      fileName: m.fileName ?? null,
      seconds: m.seconds ?? null,
      ptt: key === 'audioMessage' ? Boolean(m.ptt) : null,
      downloadPath: `/instance/${instanceId}/media/${data.messageId}`,
    };
  } else if (type === 'location') {
    const l = body as proto.Message.ILocationMessage & proto.Message.ILiveLocationMessage;
    data.location = { latitude: l.degreesLatitude ?? null, longitude: l.degreesLongitude ?? null, name: l.name ?? null, address: l.address ?? null, live: key === 'liveLocationMessage' };
  } else if (key === 'contactMessage') {
    const c = body as proto.Message.IContactMessage;
    data.contact = { displayName: c.displayName ?? null, contacts: [contactEntry(c)] };
  } else if (key === 'contactsArrayMessage') {
    const c = body as proto.Message.IContactsArrayMessage;
    data.contact = { displayName: c.displayName ?? null, contacts: (c.contacts ?? []).map(contactEntry) };
  }
  return data;
}

/** A message WhatsApp delivered but this device could not decrypt (Baileys' CIPHERTEXT stub). */
export async function undecryptableData(baileys: Baileys, msg: WAMessage, offline: boolean, pnForLid?: PnForLid): Promise<MessageUndecryptableData> {
  return {
    ...(await senderOf(baileys, msg, pnForLid)),
    error: msg.messageStubParameters?.[0] ?? 'undecryptable',
    offline,
  };
}

function textOf(content: proto.IMessage, key: string): string | null {
  if (key === 'conversation') return content.conversation ?? null;
  if (key === 'extendedTextMessage') return content.extendedTextMessage?.text ?? null;
  const inner = (content as Record<string, { caption?: string | null } | undefined>)[key];
  return inner?.caption ?? null;
}

function contactEntry(c: proto.Message.IContactMessage) {
  return { displayName: c.displayName ?? null, vcard: c.vcard ?? null, phones: phonesOfVcard(c.vcard ?? '') };
}

/** Phone digits of a vCard's TEL lines (the waid parameter when present, else the number). */
export function phonesOfVcard(vcard: string): string[] {
  const phones: string[] = [];
  for (const line of vcard.split(/\r?\n/)) {
    if (!/^(item\d+\.)?TEL/i.test(line)) continue;
    const waid = /waid=(\d+)/i.exec(line)?.[1];
    const digits = waid ?? line.slice(line.lastIndexOf(':') + 1).replace(/\D/g, '');
    if (digits && !phones.includes(digits)) phones.push(digits);
  }
  return phones;
}
