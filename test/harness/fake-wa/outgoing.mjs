// Messages the clients send: how each was addressed, and how the server acknowledges it
// (a plain ack, or an ack carrying an error code, at once or later).
//
// Addressing: Baileys 7.0.0-rc14 lib/Socket/messages-send.js:440-445 and :764-766 put the jid the app
// passed into the stanza's `to` (no PN->LID rewrite for 1:1 chats), and :368-413 createParticipantNodes
// one <participants><to jid=device jid><enc/></to>… per device. The devices come from :628
// getUSyncDevices([own identity, jid]) (:133-269): a usync device+lid query (:193); the device jids
// are LID only for users asked as LIDs (:185-191, :222-228), so a PN send encrypts to PN device jids.
//
// Error acks: lib/Socket/messages-recv.js:1624-1626 hands every <ack class=message> to :1494-1568
// handleBadAck, which reads only attrs.from, attrs.id and attrs.error; with an `error` it emits
// messages.update [{ key: { remoteJid: attrs.from, fromMe: true, id }, update: { status: ERROR (0),
// messageStubParameters } }] where messageStubParameters is [error, 'Your account has been restricted']
// for '463' (:1512, :1563; Utils/decode-wa-message.js:39 SenderReachoutTimelocked = 463, :30
// ACCOUNT_RESTRICTED_TEXT) and [error] otherwise (e.g. '479', decode-wa-message.js:67 SmaxInvalid).
// On 463 (decode-wa-message.js:65 MessageAccountRestriction) it also issues privacy tokens to
// attrs.from (messages-recv.js:1513-1545 -> messages-send.js:954-979: <iq xmlns=privacy type=set><tokens>).
// An ack without `error` changes nothing in rc14 (no SERVER_ACK update from it).
// Receipts carry no error in rc14: :1161-1234 handleReceipt never reads an `error` attribute.
import { getBinaryNodeChild, getBinaryNodeChildren, jidNormalizedUser } from '@whiskeysockets/baileys';
import { waitEvent } from './wait-event.mjs';
import { decryptOutgoing } from './outgoing-decrypt.mjs';

const now = () => String(Math.floor(Date.now() / 1000));

/** <ack class=message> for a client's message: plain, or with `error` (handleBadAck above). */
export function messageAck(out, error) {
  const attrs = { class: 'message', id: out.id, from: out.to, t: now() };
  if (error !== undefined) attrs.error = String(error);
  return { tag: 'ack', attrs };
}

export class Outbox {
  constructor(emitter, directory, signal) {
    this.emitter = emitter;
    this.directory = directory;
    this.signal = signal;
    this.list = []; // OutgoingMessage records
    this.rules = []; // failure rules, first match wins
  }

  capture(conn, node) {
    const to = node.attrs.to;
    const participants = getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to').map((t) => t.attrs.jid);
    const out = {
      to,
      id: node.attrs.id,
      type: node.attrs.type,
      category: node.attrs.category,
      addressing: to?.endsWith('@lid') ? 'lid' : 'pn',
      participants,
      node,
      connection: conn.index,
      at: Date.now(),
    };
    this.list.push(out);
    // listed at once (acks and receipts find it), announced once its encs are decrypted (out.message)
    const clientKey = conn.device;
    out.ready = (clientKey ? decryptOutgoing(this.signal, out, clientKey) : Promise.resolve()).catch((err) => (out.decryptError = String(err?.message ?? err))).then(() => {
      out.settled = true;
      this.emitter.emit('outgoing', out);
    });
    return out;
  }

  /** First decrypted outgoing message matching pred. */
  waitFor(pred, timeoutMs) {
    return waitEvent(this.emitter, 'outgoing', this.list.filter((o) => o.settled), pred, timeoutMs, 'no matching outgoing message');
  }

  /**
   * Makes matching outgoing messages end with an error ack. rule: error (463 | 479 | any code),
   * and any of id (that message), to (a contact: digits, PN or LID jid; both of its addresses match),
   * count (the next N matching messages; default: unlimited for `to`, 1 for `id`); late (default
   * true: plain ack first, the error ack afterMs (default 500) later; false: the error ack instead).
   * 500 ms lands after Baileys flushed the send's own buffered messages.upsert (Utils/event-buffer.js:141-153
   * flushes 100 ms after upsertMessage, messages-send.js:1135-1139); an error ack inside that window is
   * folded into the buffered upsert (event-buffer.js:425-438): the upsert's message gets status 0 and
   * messageStubParameters, and no messages.update is emitted for it.
   * Peer stanzas (category=peer, Baileys talking to its own devices) never match.
   */
  fail({ error, id, to, count, late = true, afterMs = 500 }) {
    if (error === undefined) throw new Error('fake-wa: fail() needs an error code');
    const addresses = to === undefined ? undefined : new Set(this.directory.addressesOf(to));
    const rule = { error: String(error), id, addresses, left: count ?? (id ? 1 : Infinity), late, afterMs };
    this.rules.push(rule);
    return rule;
  }

  clearFailures() {
    this.rules.length = 0;
  }

  /** The failure rule that takes this message, if any (consumes one of its count). */
  takeRule(out) {
    if (out.category === 'peer') return undefined;
    const to = out.to ? jidNormalizedUser(out.to) : undefined;
    const rule = this.rules.find((r) => r.left > 0 && (!r.id || r.id === out.id) && (!r.addresses || r.addresses.has(to)));
    if (!rule) return undefined;
    if (--rule.left <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule;
  }
}
