// Reads what a client sent to the stand-in's devices: every <enc> addressed to a stand-in device is
// decrypted by that device (signal.mjs), as its own WhatsApp client would.
//
// Where the encs are (Baileys 7.0.0-rc14 Socket/messages-send.js):
//  - 1:1 and group fan-out: <participants><to jid=device><enc type=pkmsg|msg/></to>… (:368-427
//    createParticipantNodes, :700-713); own devices get deviceSentMessage { destinationJid, message }
//    (:384-394, meMsg :449-455);
//  - group content: one top-level <enc type=skmsg> (:546-583, encryptGroupMessage); the sender key
//    (senderKeyDistributionMessage) rides in the per-device encs (:562-577), only for devices that
//    lack it (:554-561 sender-key-memory);
//  - a retry resend (:670-721) or a peer message (:722-727): one top-level <enc> for the stanza's
//    `participant` (group) or `to` device, `count` attr on a resend;
//  - a newsletter post: <plaintext> (:473-480), decoded as is.
import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, proto } from '@whiskeysockets/baileys';

/** Fills out.decrypted [{ jid, type, message | error }] and out.message (see index.d.mts). */
export async function decryptOutgoing(signal, out, clientKey) {
  const node = out.node;
  const decrypted = [];
  const one = async (jid, enc) => {
    if (!jid || !(enc.content instanceof Uint8Array)) return;
    try {
      if (signal.isClient(jid)) return; // a real client's device: not ours to read
      decrypted.push({ jid, type: enc.attrs.type, message: await signal.decrypt(jid, clientKey, enc.attrs.type, enc.content) });
    } catch (err) {
      decrypted.push({ jid, type: enc.attrs.type, error: String(err?.message ?? err) });
    }
  };
  for (const to of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
    const enc = getBinaryNodeChild(to, 'enc');
    if (enc) await one(to.attrs.jid, enc);
  }
  const top = getBinaryNodeChildren(node, 'enc');
  for (const enc of top) if (enc.attrs.type !== 'skmsg') await one(node.attrs.participant ?? node.attrs.to, enc);
  const sk = top.find((e) => e.attrs.type === 'skmsg');
  let groupMessage;
  if (sk) {
    try {
      groupMessage = await signal.decryptGroup(node.attrs.to, clientKey, sk.content);
      decrypted.push({ jid: node.attrs.to, type: 'skmsg', message: groupMessage });
    } catch (err) {
      decrypted.push({ jid: node.attrs.to, type: 'skmsg', error: String(err?.message ?? err) });
    }
  }
  // a channel post goes unencrypted: <plaintext> of the bare proto (messages-send.js:472-479, Utils/generics.js:390-392)
  const plain = getBinaryNodeChild(node, 'plaintext');
  if (plain?.content instanceof Uint8Array) {
    out.decrypted = decrypted;
    out.message = proto.Message.decode(plain.content);
    return;
  }
  const own = jidDecode(`${clientKey.split(':')[0]}@s.whatsapp.net`).user;
  const isOwn = (jid) => signal.keyOf(jid).split(':')[0] === own;
  const forContact = decrypted.find((d) => d.message && d.type !== 'skmsg' && !isOwn(d.jid));
  const forOwn = decrypted.find((d) => d.message && d.type !== 'skmsg' && isOwn(d.jid));
  out.decrypted = decrypted;
  out.message = groupMessage ?? forContact?.message ?? forOwn?.message.deviceSentMessage?.message ?? forOwn?.message;
}
