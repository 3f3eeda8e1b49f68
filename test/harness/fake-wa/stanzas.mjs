// Stanzas the stand-in pushes to the client (encrypted ones: inbound.mjs; `plaintext: true` and
// `undecryptable` ones here), carrying the 7.x addressing attributes: a PN-addressed
// message names the sender's LID in `sender_lid`, a LID-addressed one names the PN in `sender_pn`.
// Baileys rc14 lib/Utils/decode-wa-message.js:69-95 extractAddressingContext: addressing_mode 'lid'
// -> senderAlt = participant_pn || sender_pn || peer_recipient_pn (:77), else participant_lid ||
// sender_lid || peer_recipient_lid (:85); it becomes key.remoteJidAlt (:180) and Socket/messages-recv.js
// :1277-1291 stores the PN<->LID mapping from it (keys '<pn>' / '<lid>_reverse', Signal/lid-mapping.js:69-76).
import { randomBytes, createHash } from 'node:crypto';
import { proto } from '@whiskeysockets/baileys';

const now = () => String(Math.floor(Date.now() / 1000));
const toPnJid = (p) => (p.includes('@') ? p : `${p.replace(/\D/g, '')}@s.whatsapp.net`);
const toLidJid = (l) => (l.includes('@') ? l : `${l}@lid`);

/**
 * imageMessage fields as WhatsApp sends them. Without `hosted` they point at WhatsApp's CDN (not
 * downloadable); with hosted = await server.media.encryptAndHost(bytes) they point at the media host.
 */
export function imageContent({ caption, mimetype = 'image/jpeg', width = 64, height = 64, hosted } = {}) {
  const data = randomBytes(1024);
  const sha = (b) => createHash('sha256').update(b).digest();
  const path = `/v/t62.7118-24/${randomBytes(8).toString('hex')}.enc?ccb=11-4&oh=fake&oe=fake&_nc_sid=fake`;
  const where = hosted ?? {
    url: `https://mmg.whatsapp.net${path}`,
    directPath: path,
    mediaKey: randomBytes(32),
    fileSha256: sha(data),
    fileEncSha256: sha(Buffer.concat([data, Buffer.from('enc')])),
    fileLength: data.length,
  };
  return {
    imageMessage: {
      ...where,
      mimetype,
      caption,
      mediaKeyTimestamp: Math.floor(Date.now() / 1000),
      width,
      height,
      jpegThumbnail: Buffer.alloc(0),
    },
  };
}

/** The proto.IMessage a push carries: opts.message, else an image or a text (conversation). */
export function messageContent(opts) {
  if (opts.message) return opts.message;
  if (opts.image) return imageContent(opts.image === true ? { caption: opts.text } : { caption: opts.text, ...opts.image });
  return { conversation: opts.text ?? 'hello' };
}

export const newMessageId = () => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;

/**
 * The <message> attributes of an incoming 1:1 message. opts: from (phone digits or PN jid), lid (LID
 * user or jid; default: the server's mapping, null: none), via ('pn' default | 'lid': which jid is
 * the stanza's `from`), hidePn, id, image, message, pushName, t, offline (queued while away -> 'append').
 */
export function messageAttrs(server, opts) {
  const pn = toPnJid(opts.from);
  const lid = opts.lid === null ? undefined : toLidJid(opts.lid ?? server.lidFor(pn));
  const byLid = opts.via === 'lid' && lid;
  const attrs = {
    from: byLid ? lid : pn,
    id: opts.id ?? newMessageId(),
    t: String(opts.t ?? now()),
    type: opts.image ? 'media' : 'text',
    notify: opts.pushName ?? 'Fake Contact',
    addressing_mode: byLid ? 'lid' : 'pn',
  };
  // A contact whose number WhatsApp hides writes from its LID with no PN attribute at all: rc14 reads
  // the alternate address only from optional attributes (lib/Utils/decode-wa-message.js:77
  // `participant_pn || sender_pn || peer_recipient_pn`), so `hidePn` leaves them out.
  if (byLid && !opts.hidePn) attrs.sender_pn = pn;
  else if (lid) attrs.sender_lid = lid;
  if (opts.offline) attrs.offline = '1';
  return attrs;
}

/**
 * The old unencrypted path (opts.plaintext): <plaintext> carries the bare proto (Baileys decodes it
 * without Signal and without unpadding, Utils/decode-wa-message.js:243, :260-266). undecryptable: an
 * <enc type="msg"> of random bytes instead: Baileys cannot decrypt it, emits a CIPHERTEXT stub and
 * sends a retry receipt, as with a real "Bad MAC" / "No session".
 */
export function plainMessageNode(server, opts) {
  const attrs = messageAttrs(server, opts);
  if (opts.undecryptable) return { tag: 'message', attrs, content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: randomBytes(48) }] };
  const body = Buffer.from(proto.Message.encode(proto.Message.fromObject(messageContent(opts))).finish());
  return { tag: 'message', attrs, content: [{ tag: 'plaintext', attrs: {}, content: body }] };
}

/** A receipt for message `id` sent by the client: no type = delivered, 'read', 'played'. */
export function receiptNode({ id, type, from }) {
  const attrs = { from, id, t: now() };
  if (type) attrs.type = type;
  return { tag: 'receipt', attrs };
}
