// One client WebSocket on the stand-in: Noise handshake, then binary nodes both ways.
// Tests drive it through the methods below; every node the client sends is kept in `received`.
// Here: the handshake, the dispatch of the client's nodes and the ordered send queue; the
// methods for pairing, login and endings are in connection-lifecycle.mjs, the pushes (messages,
// receipts, notifications) in connection-traffic.mjs, both mixed into FakeWaConnection.
import { EventEmitter } from 'node:events';
import { binaryNodeToString, decodeBinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys';
import { frame, makeServerNoise } from './noise.mjs';
import { answerIq } from './responder.mjs';
import { resendFor } from './retry-resend.mjs';
import { messageAck } from './outgoing.mjs';
import { waitEvent } from './wait-event.mjs';
import { withLifecycle } from './connection-lifecycle.mjs';
import { withTraffic } from './connection-traffic.mjs';

const debug = !!process.env.FAKE_WA_DEBUG;

export class FakeWaConnection extends withTraffic(withLifecycle(EventEmitter)) {
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
}
