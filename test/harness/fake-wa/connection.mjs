// One client WebSocket on the stand-in: Noise handshake, then binary nodes both ways.
// Tests drive it through the methods below; every node the client sends is kept in `received`.
import { EventEmitter } from 'node:events';
import { binaryNodeToString, decodeBinaryNode, encodeBinaryNode, getBinaryNodeChild } from '@whiskeysockets/baileys';
import { frame, makeServerNoise } from './noise.mjs';
import { answerIq } from './responder.mjs';
import { parseQr, signedPairSuccess } from './pairing.mjs';
import { companionKeys, isCompanionHello, primaryHello } from './pairing-code.mjs';
import { newMessageId, plainMessageNode, receiptNode } from './stanzas.mjs';
import { encryptedMessageNode, retryReceiptNode } from './inbound.mjs';
import { resendFor } from './retry-resend.mjs';
import { messageAck } from './outgoing.mjs';
import { messageCappingNotification, reachoutTimelockNotification, timelockPayload } from './restrictions.mjs';
import { waitEvent } from './wait-event.mjs';
import { newsletterPostNode, statusStoryNode } from './broadcasts.mjs';

const debug = !!process.env.FAKE_WA_DEBUG;
const now = () => String(Math.floor(Date.now() / 1000));

export class FakeWaConnection extends EventEmitter {
  /** @param {import('./server.mjs').FakeWaServer} server */
  constructor(server, ws, index) {
    super();
    this.server = server;
    this.ws = ws;
    this.index = index;
    this.received = [];
    this.sent = []; // the <message> and <receipt> stanzas sent to the client
    this.kind = undefined; // 'register' (no creds: QR flow) or 'login' (paired creds)
    this.payload = undefined; // the decoded ClientPayload
    this.silent = false;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.isClosed = false;
    ws.once('close', () => (this.isClosed = true));
    this.noise = makeServerNoise(server.rootKey);
    this.stage = 0;
    this.pending = 0; // stanzas being built (encryption) that later sends must wait for
    this.sendTail = Promise.resolve();
    this.sendErrors = [];
    this.inBuf = Buffer.alloc(0);
    this.gotIntro = false;
    let tail = Promise.resolve();
    // frames are processed strictly in order (the handshake steps await)
    ws.on('message', (data) => {
      tail = tail.then(() => this.onData(Buffer.from(data))).catch((err) => this.emit('error', err));
    });
  }

  /** 'username:device' of a login connection, e.g. '5511999990000:3'. */
  get device() {
    return this.payload?.username ? `${this.payload.username}:${this.payload.device ?? 0}` : undefined;
  }

  /** Digits of the account this login belongs to (ClientPayload username). */
  get accountPhone() {
    return this.payload?.username ? String(this.payload.username) : undefined;
  }

  async onData(data) {
    this.inBuf = Buffer.concat([this.inBuf, data]);
    if (!this.gotIntro) {
      if (this.inBuf.length < 4) return;
      this.noise.auth(this.inBuf.subarray(0, 4)); // 'WA' 6 3, hashed by the client too
      this.inBuf = this.inBuf.subarray(4);
      this.gotIntro = true;
    }
    while (this.inBuf.length >= 3) {
      const size = (this.inBuf[0] << 16) | this.inBuf.readUInt16BE(1);
      if (this.inBuf.length < size + 3) return;
      const body = this.inBuf.subarray(3, size + 3);
      this.inBuf = this.inBuf.subarray(size + 3);
      if (this.stage === 0) await this.onHello(body);
      else if (this.stage === 1) await this.onFinish(body);
      else await this.onNode(await decodeBinaryNode(this.noise.open(body)));
    }
  }

  async onHello(body) {
    this.ws.send(frame(await this.noise.hello(body)));
    this.stage = 1;
  }

  async onFinish(body) {
    const { noiseKey, payload } = await this.noise.finishHandshake(body);
    this.noiseKey = noiseKey; // the client's long-lived noise key
    this.payload = payload;
    this.stage = 2;
    this.kind = payload.devicePairingData ? 'register' : 'login';
    this.server.onHandshake(this);
  }

  async onNode(node) {
    if (debug) console.log(`[fake-wa #${this.index}] <- ${binaryNodeToString(node)}`);
    this.received.push(node);
    this.lastReceivedAt = Date.now();
    this.emit('node', node);
    if (this.silent) return;
    if (node.tag === 'iq') {
      const reply = answerIq(this, node);
      if (reply?.then) this.enqueue(() => reply);
      else if (reply) this.send(reply);
    } else if (node.tag === 'message') {
      const out = this.server.captureOutgoing(this, node); // decrypted in the background (outgoing.mjs)
      const rule = this.server.outbox.takeRule(out); // failOutgoing (outgoing.mjs)
      if (!rule || rule.late) this.send(messageAck(out));
      if (rule?.late) setTimeout(() => this.sendErrorAck(out.id, rule.error), rule.afterMs).unref();
      else if (rule) this.sendErrorAck(out.id, rule.error);
    } else if (node.tag === 'receipt' && node.attrs.type === 'retry') {
      this.enqueue(() => resendFor(this, node)); // a stand-in device sends its message again (retry-resend.mjs)
    }
  }

  /**
   * Sends one binary node to the client (dropped once the socket is closed), after any stanza still
   * being encrypted: the client gets everything in the order the test asked for it.
   */
  send(node) {
    if (this.pending) this.enqueue(async () => node);
    else this.rawSend(node);
  }

  /** Sends what build() resolves to once everything queued before it is sent. */
  enqueue(build) {
    this.pending++;
    const p = this.sendTail.then(build).then((node) => node && this.rawSend(node));
    this.sendTail = p
      .catch((err) => {
        this.sendErrors.push(err);
        // surfaces like any other stand-in error (server 'error'), without breaking the queue
        process.nextTick(() => this.emit('error', err));
      })
      .finally(() => this.pending--);
    return p;
  }

  /** Resolves once every stanza queued so far (pushMessage encryption included) went out; rejects on a failed one. */
  async flush() {
    await this.sendTail;
    if (this.sendErrors.length) throw this.sendErrors.shift();
  }

  rawSend(node) {
    if (this.isClosed || this.ws.readyState !== 1) return;
    if (node.tag === 'message' || node.tag === 'receipt') this.sent.push(node); // what tests may inspect
    if (debug) console.log(`[fake-wa #${this.index}] -> ${binaryNodeToString(node)}`);
    this.ws.send(frame(this.noise.seal(encodeBinaryNode(node))));
  }

  /** First node the client sent (or will send) that matches. */
  waitFor(pred, timeoutMs = 5000) {
    return waitEvent(this, 'node', this.received, pred, timeoutMs, `no matching node from client #${this.index}`);
  }

  /**
   * Resolves once the client has sent nothing for quietMs. Close a connection only when settled:
   * Baileys leaves queries that were in flight at a close waiting for defaultQueryTimeoutMs (60 s).
   */
  async settle(quietMs = 150, timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const idle = Date.now() - (this.lastReceivedAt ?? 0);
      if (idle >= quietMs) return;
      await new Promise((r) => setTimeout(r, quietMs - idle));
    }
    throw new Error(`fake-wa: client #${this.index} did not settle within ${timeoutMs} ms`);
  }

  // ---- pairing and login -------------------------------------------------------------------

  /** <pair-device> with QR refs: Baileys emits one connection.update { qr } per ref. */
  sendQrRefs(refs = ['REF1', 'REF2', 'REF3', 'REF4', 'REF5', 'REF6']) {
    const content = refs.map((r) => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) }));
    this.send({ tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'set', id: `pair-${this.index}`, xmlns: 'md' }, content: [{ tag: 'pair-device', attrs: {}, content }] });
  }

  /**
   * Plays the phone scanning `qr`: pair-success with a signed device identity, waits for the
   * client's pair-device-sign, then (restart: true) stream:error 515 as WhatsApp does.
   * phone: digits; device: companion device number; lid: the account's LID user (digits).
   */
  async scanQr(qr, options = {}) {
    return this.completePairing(parseQr(qr), options);
  }

  /**
   * Plays the user typing `code` (from requestPairingCode) on the phone: answers the client's
   * companion_hello with the primary's keys, derives the shared ADV secret from its
   * companion_finish, then pairs like scanQr (phone defaults to the number the client asked for).
   */
  async enterPairingCode(code, options = {}) {
    const hello = await this.waitFor(isCompanionHello);
    const { notification, state } = await primaryHello(hello, code);
    this.send(notification);
    const finish = await this.waitFor((n) => n.tag === 'iq' && getBinaryNodeChild(n, 'link_code_companion_reg')?.attrs.stage === 'companion_finish');
    const asked = getBinaryNodeChild(hello, 'link_code_companion_reg').attrs.jid.split('@')[0];
    return this.completePairing(companionKeys(finish, state), { phone: asked, ...options });
  }

  async completePairing(keys, { phone = this.server.phone, device = 1, lid, restart = true, platform } = {}) {
    lid = lid ?? this.server.lidFor(`${phone}@s.whatsapp.net`).split('@')[0];
    const jid = `${phone}:${device}@s.whatsapp.net`;
    const id = `pair-success-${this.index}`;
    this.server.registerDevice(phone, device, lid);
    // the Signal keys the client registered with (validate-connection.js:115-124), for sessions with it
    this.server.signal.registerClient(`${phone}:${device}`, this.payload?.devicePairingData);
    this.send(signedPairSuccess(keys, { id, jid, lid: `${lid}:${device}@lid`, platform }));
    const sign = await this.waitFor((n) => n.tag === 'iq' && n.attrs.id === id);
    if (restart) this.streamError(515);
    return sign;
  }

  /** <success> (login accepted) then <ib><offline count=0/> (nothing queued). */
  loginSuccess({ offline = true } = {}) {
    const lid = this.server.lidOfDevice(this.payload);
    this.send({ tag: 'success', attrs: { t: now(), props: '1', abprops: '1', location: 'fake', ...(lid ? { lid } : {}) } });
    if (offline) this.send({ tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: '0' } }] });
    this.loggedIn = true;
    this.server.afterLogin?.(this); // first login after pairing: the phone's history sync (history-sync.mjs)
  }

  // ---- traffic ---------------------------------------------------------------------------------

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

  // ---- endings -----------------------------------------------------------------------------

  /** 515 restart, 440 replaced, 401 logged out, 405 version refused, 403/500/503 and others. */
  closeWith(code) {
    if (code === 440) this.send({ tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] });
    else if (code === 401 || code === 403 || code === 405) this.send({ tag: 'failure', attrs: { reason: String(code), location: 'fake' } });
    else this.streamError(code);
    setTimeout(() => this.drop(), 200).unref();
  }

  streamError(code) {
    this.send({ tag: 'stream:error', attrs: { code: String(code) } });
  }

  /** Stops answering anything (pings included): Baileys ends with 408 after its keep-alive window. */
  goSilent() {
    this.silent = true;
  }

  /** Closes the TCP connection without a word (client sees 428). */
  drop() {
    if (!this.isClosed) this.ws.terminate();
  }
}
