// A local WhatsApp Web stand-in for tests: the real Baileys client connects to it over ws://.
// It is a harness, not a WhatsApp implementation: it knows just enough (handshake, pairing, login,
// the IQs before a send, Signal-encrypted messages both ways (signal.mjs), receipts, endings) for end-to-end tests offline, plus
// the network behaviours in ../README.md (directory.mjs, usync.mjs, outgoing.mjs, groups.mjs, restrictions.mjs).
// Here: the server's state, its WebSocket and connections, logins, history and app state; the
// methods over outgoing messages, the directory, groups and pictures are in server-network.mjs.
import { EventEmitter } from 'node:events';
import { WebSocketServer } from 'ws';
import { FakeWaConnection } from './connection.mjs';
import { Directory } from './directory.mjs';
import { Groups } from './groups.mjs';
import { Profiles } from './profile.mjs';
import { Outbox } from './outgoing.mjs';
import { SignalNetwork } from './signal.mjs';
import { makeRootKey } from './noise.mjs';
import { MediaHost } from './media-host.mjs';
import { AppState } from './app-state.mjs';
import { playFirstLogin } from './history-sync.mjs';
import { waitEvent } from './wait-event.mjs';
import { withNetwork } from './server-network.mjs';

export class FakeWaServer extends withNetwork(EventEmitter) {
  /**
   * options: rootKey (Curve key pair; default: fresh), phone (digits of the account the stand-in
   * pairs; default 5511900000001), autoQr (send QR refs to unpaired clients; default true),
   * qrRefs (array), autoLogin (answer paired clients with <success>; default true), media (also
   * run an HTTPS media host, server.media: media sends and downloads; default false), directory
   * ('everyone' default: every number is on WhatsApp; 'registered': only addContact numbers),
   * notOnWhatsApp (digits usync reports as not on WhatsApp).
   */
  constructor(options = {}) {
    super();
    this.options = { autoQr: true, autoLogin: true, ...options };
    this.rootKey = options.rootKey ?? makeRootKey();
    this.phone = options.phone ?? '5511900000001';
    this.connections = [];
    this.directory = new Directory({ mode: options.directory, notOnWhatsApp: options.notOnWhatsApp });
    this.signal = new SignalNetwork(this.directory); // Signal identities of every stand-in device + client keys (signal.mjs)
    this.pushed = new Map(); // 'client device|id' -> an encrypted push, for retry receipts (retry-resend.mjs)
    this.outbox = new Outbox(this, this.directory, this.signal);
    this.outgoing = this.outbox.list; // { to, id, type, addressing, participants, node, connection } per <message>
    this.groups = new Groups();
    this.profiles = new Profiles(this.directory); // profile pictures (profile.mjs)
    this.restrictions = {}; // { timelock, capping }: what w:mex fetches answer (restrictions.mjs)
    this.loginHandlers = [];
    // the phone's first-login history + app-state key (history-sync.mjs) and the app state (app-state.mjs)
    this.appState = new AppState();
    this.history = options.history === false ? false : { ...(options.history ?? {}) };
    this.historySent = new Set(); // 'phone:device' logins the phone already sent its history to
    // an encoding failure resurfaces when a client fetches (AppState.answer awaits the same promise)
    if (this.history) this.setAppState({ contacts: this.history.contacts, pushName: this.history.pushName }).catch(() => {});
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

  // ---- history and app state (history-sync.mjs, app-state.mjs) ----------------------------------

  /**
   * Adds to the account's app state: contacts [{ phone, lid?, name? }] (contactAction with lidJid;
   * each is also registered like addContact), pushName (pushNameSetting). Resolves once encoded;
   * logins that already had their first sync get a server_sync notification per changed collection.
   */
  async setAppState({ contacts = [], pushName } = {}) {
    const resolved = contacts.map((c) => {
      const contact = this.addContact(c.phone, c.lid ? { lid: c.lid } : undefined);
      return { phone: contact.phone, lid: c.lid === null ? undefined : contact.lid, name: c.name };
    });
    const changed = await this.appState.set({ contacts: resolved, pushName });
    for (const conn of this.connections) {
      if (conn.loggedIn && !conn.isClosed && this.historySent.has(conn.device)) for (const name of changed) conn.send(this.appState.serverSyncNotification(name));
    }
  }

  /** After <success>: a device's first login after pairing gets the phone's key share + history. */
  afterLogin(conn) {
    const device = conn.device;
    if (!this.history || !device || this.historySent.has(device) || !this.directory.devices.has(device)) return;
    this.historySent.add(device);
    conn.historySync = playFirstLogin(conn, { history: this.history, appState: this.appState });
    conn.historySync.catch((err) => this.emit('error', err));
  }
}
