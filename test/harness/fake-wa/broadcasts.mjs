// Stanzas of chats a CRM number never answers, as Baileys rc14 receives them
// (node_modules/@whiskeysockets/baileys/lib):
// - a status story: from 'status@broadcast', participant = the poster's device (decode-wa-message.js
//   :151-165 isJidBroadcast + participant -> msgType 'other_status'); sent like a group message
//   (Socket/messages-send.js:436-439: status takes the group path, :544-584): the poster's sender key travels in a per-device pkmsg
//   (senderKeyDistributionMessage { groupId: 'status@broadcast' }, :567-572) and the story itself
//   in an <enc type=skmsg> (:579-583); a receiver decrypts the pkmsg, stores the sender key
//   (decode-wa-message.js:268-279 processSenderKeyDistributionMessage) and decrypts the skmsg (:245-250);
// - a channel (newsletter) post: from '<id>@newsletter' with server_id, as <plaintext>
//   (decode-wa-message.js:166-173, :260-262; Socket/messages-recv.js:1425-1428 acks it, no receipt).
// With shouldIgnoreJid true for the chat, rc14 answers either with a nack (error 500) before any
// decryption (Socket/messages-recv.js:1589-1602).
import { randomBytes } from 'node:crypto';
import { encodeWAMessage, jidDecode, jidEncode, proto } from '@whiskeysockets/baileys';

const now = () => String(Math.floor(Date.now() / 1000));
const newId = () => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
const STATUS = 'status@broadcast';

/** device 0 of a phone (digits or jid), as WhatsApp writes it: the bare user jid */
const posterJid = (phone) => {
  const d = jidDecode(String(phone).includes('@') ? phone : `${String(phone).replace(/\D/g, '')}@s.whatsapp.net`);
  return jidEncode(d.user, d.server);
};

/** A text status story posted by `from` (phone digits or PN jid), Signal-encrypted to the client. */
export async function statusStoryNode(conn, { from, text = 'status', id = newId(), pushName = 'Fake Contact' }) {
  const signal = conn.server.signal;
  const author = posterJid(from);
  const { ciphertext, senderKeyDistributionMessage } = await signal.run(() =>
    signal.device(author).repo.encryptGroupMessage({ group: STATUS, meId: author, data: encodeWAMessage({ extendedTextMessage: { text } }) }),
  );
  const skdm = { senderKeyDistributionMessage: { groupId: STATUS, axolotlSenderKeyDistributionMessage: senderKeyDistributionMessage } };
  const keyEnc = await conn.encryptFrom(author, skdm);
  const attrs = { from: STATUS, participant: author, id, t: now(), type: 'text', notify: pushName };
  return { tag: 'message', attrs, content: [keyEnc, { tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: ciphertext }] };
}

/** A text post of channel `newsletter` ('<digits>@newsletter' or digits). */
export function newsletterPostNode({ newsletter = '120363000000000001@newsletter', text = 'post', id = newId(), serverId = '100' } = {}) {
  const from = newsletter.includes('@') ? newsletter : `${newsletter}@newsletter`;
  const body = Buffer.from(proto.Message.encode(proto.Message.fromObject({ conversation: text })).finish());
  return { tag: 'message', attrs: { from, id, t: now(), type: 'text', server_id: serverId }, content: [{ tag: 'plaintext', attrs: {}, content: body }] };
}
