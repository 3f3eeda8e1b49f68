// What a stand-in connection pushes to its client after login: messages (1:1, status stories,
// channel posts), retry receipts, delivery/read receipts and error acks for the client's sends,
// and the restriction notifications. A mixin of FakeWaConnection (connection.mjs): the methods use
// its send / enqueue queue and its server.
import { newMessageId, plainMessageNode, receiptNode } from './stanzas.mjs';
import { encryptedMessageNode, retryReceiptNode } from './inbound.mjs';
import { messageAck } from './outgoing.mjs';
import { messageCappingNotification, reachoutTimelockNotification, timelockPayload } from './restrictions.mjs';
import { newsletterPostNode, statusStoryNode } from './broadcasts.mjs';

/** @param {typeof import('node:events').EventEmitter} Base */
export const withTraffic = (Base) =>
  class ConnectionTraffic extends Base {
    /**
     * An incoming 1:1 message, Signal-encrypted from the sender's device (inbound.mjs); plaintext: true
     * and undecryptable use stanzas.mjs. Returns the id at once; the stanza goes out once encrypted
     * (await conn.flush() to know it left).
     */
    pushMessage(opts) {
      const withId = { ...opts, id: opts.id ?? newMessageId() };
      if (opts.plaintext || opts.undecryptable) this.send(plainMessageNode(this.server, withId));
      else this.enqueue(() => encryptedMessageNode(this, withId));
      return withId.id;
    }

    /**
     * <enc v=2 type=pkmsg|msg> of a proto.IMessage object from a stand-in device (contact device or
     * the own phone, any PN/LID device jid) to this connection's client device (signal.mjs).
     */
    encryptFrom(senderDeviceJid, message) {
      if (!this.device) return Promise.reject(new Error('fake-wa: encryptFrom needs a logged-in connection'));
      return this.server.signal.encrypt(senderDeviceJid, this.device, message);
    }

    /**
     * Plays a device of the recipient failing to decrypt `out`: sends its retry receipt (inbound.mjs)
     * and resolves with the client's resend of that id (decrypted), or rejects after timeoutMs.
     * options: device (default 0), count (default 1; > 1 or keys: true adds a key bundle), from (the
     * participant, for a group send), timeoutMs (default 10000).
     */
    async requestRetry(out, { timeoutMs = 10000, ...options } = {}) {
      const before = new Set(this.server.outgoing);
      const resend = this.server.waitForOutgoing((o) => o.id === out.id && !before.has(o), timeoutMs);
      resend.catch(() => {});
      this.send(await retryReceiptNode(this.server, out, options));
      return resend;
    }

    /** A status story from a contact (status@broadcast, sender key + skmsg: broadcasts.mjs); returns its id. */
    pushStatus(opts) {
      const withId = { ...opts, id: opts.id ?? newMessageId() };
      this.enqueue(() => statusStoryNode(this, withId));
      return withId.id;
    }

    /** A channel post (<id>@newsletter, plaintext: broadcasts.mjs); returns its id. */
    pushNewsletter(opts = {}) {
      const node = newsletterPostNode(opts);
      this.send(node);
      return node.attrs.id;
    }

    /**
     * Delivery (type undefined) or 'read' / 'played' receipt for a message the client sent; from
     * defaults to the stanza's `to`, via: 'lid' sends it from the recipient's LID instead (rc14 reads
     * no PN attribute on receipts: Socket/messages-recv.js:1161-1172 handleReceipt keys on attrs.from).
     */
    sendReceipt(id, { type, from, via } = {}) {
      const out = this.server.outgoing.find((o) => o.id === id);
      const to = out?.to;
      const lid = via === 'lid' && to && !to.endsWith('@lid') ? this.server.lidFor(to) : undefined;
      this.send(receiptNode({ id, type, from: from ?? lid ?? to }));
    }

    /** <ack class=message error=…> for a message the client sent (outgoing.mjs: messages.update ERROR). */
    sendErrorAck(id, error, from) {
      const out = this.server.outgoing.find((o) => o.id === id) ?? { id, to: from };
      if (out.node) out.errorAck = { error: String(error), at: Date.now(), received: this.received.length };
      this.send(messageAck(out, error));
    }

    /** Reachout timelock set ({ active: true, endsAt, enforcementType }) or lifted ({ active: false }). */
    pushReachoutTimelock(opts = {}) {
      this.server.restrictions.timelock = timelockPayload(opts); // what fetchAccountReachoutTimelock gets
      this.send(reachoutTimelockNotification(opts));
    }

    /** New-chat message capping update (NewChatMessageCapInfo fields, e.g. { capping_status: 'CAPPED' }). */
    pushMessageCapping(info) {
      this.server.restrictions.capping = info;
      this.send(messageCappingNotification(info));
    }
  };
