/**
 * Whether a stored message belongs to a chat, across WhatsApp's two identities of a contact.
 * Baileys 7 files an inbound 1:1 message under whichever address the server used (often the LID,
 * with the phone JID in key.remoteJidAlt: lib/Utils/decode-wa-message.js:180), while a send or a
 * retry receipt may name the same contact by phone, or by a device JID (`<user>:<device>@...`:
 * lib/Socket/messages-recv.js handleReceipt takes `attrs.from`). So both sides are normalised
 * (jidNormalizedUser drops the device) and, when they still differ, the socket's LID<->PN mapping
 * (lib/Signal/lid-mapping.js) is asked for the other identity. Groups match only themselves.
 */
import type { proto, WAMessage, WAMessageKey } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Baileys } from './loader';
import type { MessageStore } from './message-store';
import type { WaSocketLike } from './socket-types';

/** The other identity of a user JID (PN -> LID, LID -> PN), when the socket knows it. */
export type JidAlias = (jid: string) => Promise<string | null | undefined>;

/** The socket's mapping as a JidAlias (none without a socket or mapping store). */
export function socketAlias(baileys: Baileys, sock: WaSocketLike | undefined): JidAlias | undefined {
  const mapping = sock?.signalRepository?.lidMapping;
  if (!mapping) return undefined;
  return async (jid) => {
    if (baileys.isLidUser(jid)) return mapping.getPNForLID(jid);
    if (baileys.isPnUser(jid)) return mapping.getLIDForPN?.(jid);
    return undefined;
  };
}

export async function sameChat(baileys: Baileys, stored: WAMessageKey, chatJid: string | null | undefined, alias?: JidAlias): Promise<boolean> {
  const norm = (j: string | null | undefined) => (j ? baileys.jidNormalizedUser(j) || j : undefined);
  const chat = norm(chatJid);
  if (!chat) return false;
  const known = new Set([norm(stored.remoteJid), norm(stored.remoteJidAlt)].filter(Boolean));
  if (known.has(chat)) return true;
  if (!alias || !(baileys.isLidUser(chat) || baileys.isPnUser(chat))) return false;
  try {
    const other = norm(await alias(chat));
    return Boolean(other && known.has(other));
  } catch {
    return false; // mapping lookups are best effort
  }
}

/**
 * Baileys' getMessage for a resend (lib/Socket/messages-recv.js sendMessagesAgain: called with the
 * receipt's chat and the asked id): the stored content, only to the chat it was sent in, so a
 * contact who guesses an id never gets another chat's message.
 */
export async function resendContent(baileys: Baileys, store: MessageStore, key: WAMessageKey, alias?: JidAlias): Promise<proto.IMessage | undefined> {
  if (!key.id) return undefined;
  const msg = await store.get(key.id);
  if (!msg?.message) return undefined;
  return (await sameChat(baileys, msg.key, key.remoteJid, alias)) ? msg.message : undefined;
}

/**
 * The stored message to quote in a send to `chatJid` (Baileys' `quoted` option), when it is from
 * that chat. Baileys takes the quoted author from `key.participant || key.remoteJid` (not fromMe)
 * and, when `key.remoteJid` differs from the send's JID, names that other chat in
 * contextInfo.remoteJid (lib/Utils/messages.js:561-581 generateWAMessageFromContent). An inbound
 * 1:1 message stored under the LID and quoted in a send to the phone JID (or the reverse) is the
 * same contact's: its key gets the send's address, so the quote shows as theirs, in this chat.
 * Group messages keep their key (remoteJid the group, participant the author).
 */
export async function quotableMessage(baileys: Baileys, store: MessageStore, id: string, chatJid: string, alias?: JidAlias): Promise<WAMessage | undefined> {
  const msg = await store.get(id);
  if (!msg?.message || !(await sameChat(baileys, msg.key, chatJid, alias))) return undefined;
  if (!baileys.isJidGroup(chatJid)) {
    const { participant: _p, participantAlt: _pa, ...key } = msg.key;
    msg.key = { ...key, remoteJid: chatJid };
  }
  return msg;
}
