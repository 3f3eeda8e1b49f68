// A local WhatsApp Web stand-in for tests: the real Baileys client connects to it over ws://.
// It is a harness, not a WhatsApp implementation: it knows just enough (handshake, pairing, login,
// the IQs before a send, plaintext messages, receipts, endings) for end-to-end tests offline.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { jidDecode } from '@whiskeysockets/baileys';
import { FakeWaConnection } from './connection.mjs';
import { makeRootKey } from './noise.mjs';
import { MediaHost } from './media-host.mjs';
import { waitEvent } from './wait-event.mjs';

export class FakeWaServer extends EventEmitter {
  /**
   * options: rootKey (Curve key pair; default: fresh), phone (digits of the account the stand-in
   * pairs; default 5511900000001), autoQr (send QR refs to unpaired clients; default true),
   * qrRefs (array), autoLogin (answer paired clients with <success>; default true), media (also
   * run an HTTPS media host, server.media: media sends and downloads; default false).
   */
  constructor(options = {}) {
    super();
    this.options = { autoQr: true, autoLogin: true, ...options };
    this.rootKey = options.rootKey ?? makeRootKey();
    this.phone = options.phone ?? '5511900000001';
    this.connections = [];
    this.outgoing = []; // { to, id, type, node, connection } per <message> the clients sent
    this.bundles = new Map(); // device jid -> pre-key bundle material (stable identity)
    this.lids = new Map(); // PN user -> LID user
    this.devices = new Map(); // 'user:device' -> { lid, preKeys }
    this.loginHandlers = [];
    this.wss = undefined;
  }

  /** Base64 of the root public key: what WA_CERT_DETAILS.PUBLIC_KEY must hold on the client. */
  get publicKeyBase64() {
    return Buffer.from(this.rootKey.public).toString('base64');
  }

  get url() {
    return `ws://127.0.0.1:${this.port}/ws/chat`;
  }

  async start(port = 0) {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port });
    this.wss.on('connection', (ws) => {
      const conn = new FakeWaConnection(this, ws, this.connections.length);
      conn.on('error', (err) => this.emit('error', err));
      this.connections.push(conn);
    });
    await new Promise((resolve, reject) => {
      this.wss.once('listening', resolve);
      this.wss.once('error', reject);
    });
    this.port = this.wss.address().port;
    if (this.options.media) this.media = await new MediaHost().start();
    return this;
  }

  async stop() {
    if (!this.wss) return;
    for (const c of this.connections) c.drop();
    await new Promise((resolve) => this.wss.close(() => resolve()));
    this.wss = undefined;
    await this.media?.stop();
  }

  /** The newest connection that finished its handshake and is still open. */
  get current() {
    return [...this.connections].reverse().find((c) => c.kind && !c.isClosed);
  }

  /**
   * Resolves with the first handshaken connection numbered >= since (connections.length before
   * the action that should cause it) matching kind ('register' | 'login', optional).
   */
  waitForConnection({ kind, since = 0, timeoutMs = 10000 } = {}) {
    const match = (c) => c.index >= since && c.kind && (!kind || c.kind === kind);
    return waitEvent(this, 'handshake', this.connections, match, timeoutMs, `no ${kind ?? ''} connection #>=${since}`);
  }

  /** The next login (paired client) runs fn(conn) instead of loginSuccess, e.g. c => c.closeWith(405). */
  onNextLogin(fn) {
    this.loginHandlers.push(fn);
  }

  onHandshake(conn) {
    this.emit('handshake', conn);
    if (conn.kind === 'register' && this.options.autoQr) conn.sendQrRefs(this.options.qrRefs);
    if (conn.kind === 'login') {
      const handler = this.loginHandlers.shift();
      if (handler) handler(conn);
      else if (this.options.autoLogin) conn.loginSuccess();
    }
  }

  // ---- outgoing messages -----------------------------------------------------------------------

  captureOutgoing(conn, node) {
    const out = { to: node.attrs.to, id: node.attrs.id, type: node.attrs.type, node, connection: conn.index };
    this.outgoing.push(out);
    this.emit('outgoing', out);
  }

  /** First <message> a client sent matching pred({ to, id, type, node }). */
  waitForOutgoing(pred = () => true, timeoutMs = 10000) {
    return waitEvent(this, 'outgoing', this.outgoing, pred, timeoutMs, 'no matching outgoing message');
  }

  // ---- directory: who is on WhatsApp, LIDs, devices ---------------------------------------------

  /** Fixes the LID of a phone number (digits or jid); otherwise one is derived from the number. */
  setLid(phone, lidUser) {
    this.lids.set(jidDecode(phone.includes('@') ? phone : `${phone}@s.whatsapp.net`).user, String(lidUser));
  }

  /** LID jid (no device) of a PN jid. */
  lidFor(pnJid) {
    const user = jidDecode(pnJid).user;
    if (!this.lids.has(user)) {
      const n = BigInt('0x' + createHash('sha256').update(user).digest('hex').slice(0, 12)) % 10n ** 14n;
      this.lids.set(user, String(100000000000000n + n));
    }
    return `${this.lids.get(user)}@lid`;
  }

  isOnWhatsApp(jid) {
    return !(this.options.notOnWhatsApp ?? []).includes(jidDecode(jid).user);
  }

  /** Device numbers of a user: 0 (the phone) only. */
  devicesOf() {
    return [0];
  }

  registerDevice(phone, device, lidUser) {
    this.setLid(phone, lidUser);
    this.devices.set(`${phone}:${device}`, { lid: String(lidUser), preKeys: 0 });
  }

  lidOfDevice(payload) {
    if (!payload?.username) return undefined;
    const user = String(payload.username);
    const lid = this.devices.get(`${user}:${payload.device ?? 0}`)?.lid ?? this.lidFor(`${user}@s.whatsapp.net`).split('@')[0];
    return `${lid}:${payload.device ?? 0}@lid`;
  }

  preKeyCountOf(conn) {
    return this.options.preKeyCount ?? this.devices.get(conn.device)?.preKeys ?? 50;
  }

  recordPreKeys(conn, count) {
    const d = this.devices.get(conn.device);
    if (d) d.preKeys += count;
  }
}
