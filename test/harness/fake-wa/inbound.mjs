// Signal-encrypted stanzas the stand-in's devices send to a client device: 1:1 messages from a
// contact's device, messages typed on the account's own phone, and retry receipts.
//
// From a contact device: `from` is that device's jid ('user:N@s.whatsapp.net', or the LID form with
// via 'lid'); Baileys decrypts with the author = from (Utils/decode-wa-message.js:118-139, :237
// getDecryptionJid, :252-258 decryptMessage pkmsg|msg), unpads (:266 unpadRandomMax16) and
// normalizes the chat to the user (Utils/process-message.js cleanMessage).
// From the own phone: `from` = the account's own jid (device 0) and `recipient` = the chat; rc14
// then sets key.fromMe and remoteJid = recipient (decode-wa-message.js:119-127), and unwraps
// deviceSentMessage (:267), which is how a sender wraps what it sends its own devices
// (Socket/messages-send.js:449-455 meMsg, :384-394 DSM for own devices).
import { jidDecode, jidEncode, encodeBigEndian } from '@whiskeysockets/baileys';
import { messageAttrs, messageContent, newMessageId } from './stanzas.mjs';
import { rememberPush } from './retry-resend.mjs';

const now = () => String(Math.floor(Date.now() / 1000));

/** jid of device N of the user of `jid` (device 0: the bare user jid, as WhatsApp writes it). */
export function deviceJid(jid, device = 0) {
  const d = jidDecode(String(jid).includes('@') ? jid : `${String(jid).replace(/\D/g, '')}@s.whatsapp.net`);
  return jidEncode(d.user, d.server, device || undefined);
}

/** An encrypted incoming message (see PushMessageOptions in index.d.mts). */
export async function encryptedMessageNode(conn, opts) {
  if (opts.fromMe) return ownPhoneMessageNode(conn, opts);
  if (opts.group) return groupMessageNode(conn, opts);
  const attrs = messageAttrs(conn.server, opts);
  attrs.from = deviceJid(attrs.from, opts.device ?? 0);
  const content = messageContent(opts);
  rememberPush(conn, { sender: attrs.from, attrs, content });
  const enc = await conn.encryptFrom(attrs.from, content);
  return { tag: 'message', attrs, content: [enc] };
}

/**
 * A participant's message in a group: from = the group, participant = the sender device, the
 * alternate address in participant_lid / participant_pn (decode-wa-message.js:72-89, :140-149). The
 * content is one skmsg; the first time, a pkmsg/msg carrying the sender key comes before it, which
 * rc14 processes first (decode-wa-message.js:216-279: encs in order, :268-279 the distribution message).
 */
async function groupMessageNode(conn, opts) {
  const server = conn.server;
  const group = String(opts.group).includes('@') ? String(opts.group) : `${opts.group}@g.us`;
  const one = messageAttrs(server, opts);
  const sender = deviceJid(one.from, opts.device ?? 0);
  const attrs = { from: group, participant: sender, id: one.id, t: one.t, type: one.type, notify: one.notify, addressing_mode: one.addressing_mode };
  if (one.sender_lid) attrs.participant_lid = one.sender_lid;
  if (one.sender_pn) attrs.participant_pn = one.sender_pn;
  if (one.offline) attrs.offline = '1';
  const message = messageContent(opts);
  rememberPush(conn, { sender, attrs, content: message, group });
  const { skmsg, skdm } = await server.signal.encryptGroup(sender, group, conn.device, message);
  const content = [];
  if (skdm) content.push(await conn.encryptFrom(sender, { senderKeyDistributionMessage: { groupId: group, axolotlSenderKeyDistributionMessage: skdm } }));
  content.push(skmsg);
  return { tag: 'message', attrs, content };
}

/** A message the user typed on the account's phone to `opts.to`, as the phone fans it out. */
async function ownPhoneMessageNode(conn, opts) {
  if (!opts.to) throw new Error('fake-wa: pushMessage({ fromMe: true }) needs `to` (the chat)');
  const server = conn.server;
  const ownPn = `${conn.accountPhone}@s.whatsapp.net`;
  const contact = server.directory.addressesOf(opts.to); // [pn, lid] (or [lid])
  const byLid = opts.via === 'lid' || contact.length === 1;
  const recipient = byLid ? contact[contact.length - 1] : contact[0];
  const content = messageContent(opts);
  const attrs = {
    from: byLid ? server.lidFor(ownPn) : ownPn,
    recipient,
    id: opts.id ?? newMessageId(),
    t: String(opts.t ?? now()),
    type: opts.image ? 'media' : 'text',
  };
  if (opts.pushName) attrs.notify = opts.pushName;
  if (opts.offline) attrs.offline = '1';
  const dsm = { deviceSentMessage: { destinationJid: recipient, message: content }, messageContextInfo: content.messageContextInfo };
  rememberPush(conn, { sender: attrs.from, attrs, content: dsm });
  const enc = await conn.encryptFrom(attrs.from, dsm);
  return { tag: 'message', attrs, content: [enc] };
}

/**
 * The retry receipt a device sends when it cannot decrypt `out` (Socket/messages-recv.js:387-516
 * sendRetryRequest): <receipt id type=retry> with <retry count id t v=1 error=0>, <registration>
 * (4 bytes) and, from the second try or when asked (:496), <keys> (type, identity, key, skey), which
 * rc14 reads back in Utils/signal.js:59-99 extractE2ESessionFromRetryReceipt. As the server relays it,
 * it comes `from` the device (a group's: from = group, participant = device).
 */
export async function retryReceiptNode(server, out, { device = 0, count = 1, keys, from } = {}) {
  const isGroup = out.to.endsWith('@g.us');
  if (isGroup && !from) throw new Error('fake-wa: requestRetry for a group send needs `from` (the participant)');
  const requester = deviceJid(isGroup ? from : out.to, device);
  const standin = server.signal.device(requester);
  const attrs = { id: out.id, type: 'retry', t: now(), from: isGroup ? out.to : requester };
  if (isGroup) attrs.participant = requester;
  const content = [
    { tag: 'retry', attrs: { count: String(count), id: out.id, t: attrs.t, v: '1', error: '0' } },
    { tag: 'registration', attrs: {}, content: encodeBigEndian(standin.registrationId, 4) },
  ];
  if (count > 1 || keys) content.push(await server.signal.run(() => standin.retryKeysNode()));
  return { tag: 'receipt', attrs, content };
}
