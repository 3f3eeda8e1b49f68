/**
 * The socket lifecycle of one instance. Rules:
 * - one socket at a time: sockets are built and torn down under a per-instance lock, and each
 *   socket holds a lease of the instance's ownership (claiming ends any other session's socket of
 *   the same instance first);
 * - every event of a socket runs on one serial promise chain (in order, one at a time; a failing
 *   handler is logged and the chain goes on); events of a socket we replaced or ended are ignored
 *   for the connection state (a generation number);
 * - closes go through the pure reconnect policy; shutting down uses sock.end() with a closing
 *   flag (sock.ws.close() would look like a network drop and reconnect).
 */
import type { BaileysEventMap, ConnectionState } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import type { Lease } from '../host/ownership';
import { withTimeout } from '../../shared/redis';
import type { CreateSessionOptions } from '../types';
import { handleMessageEvents, MessageEventContext } from './message-events';
import { decideOnClose, emptyHistory, historyAfterOpen, ReconnectOptions } from './reconnect-policy';
import type { RedisAuthStore } from './redis-auth-store';
import { AuthHolder } from './auth-holder';
import { Lock, SerialChain } from './serial';
import { buildSocketConfig } from './socket-config';
import type { WaSocketLike } from './socket-types';
import { ConnectionParts, reconnectOptions, SessionDeps } from './session-deps';
import { refreshRestriction, timelockSignal } from './restriction-events';
import { noteContacts } from './contact-book';
import { catchUpAppState } from './app-state-catch-up';

export class Connection {
  sock?: WaSocketLike;
  pairingPhone?: string;
  private generation = 0;
  /** the ownership lease of the instance, taken before a socket is built, given back when it is gone */
  private lease?: Lease;
  private readonly auth: AuthHolder;
  private closing = false;
  private started = false;
  private history = emptyHistory();
  private reconnectTimer?: NodeJS.Timeout;
  private readonly lock = new Lock();
  private readonly chain: SerialChain;
  private qrAttempt = 0;
  /** the app-state catch-up was decided for the current socket (app-state-catch-up.ts) */
  private appStateChecked = false;
  private pairingAsked = false;
  private readonly events: MessageEventContext;
  private readonly reconnect: ReconnectOptions;

  constructor(
    private readonly d: SessionDeps,
    private readonly options: CreateSessionOptions,
    private readonly p: ConnectionParts,
  ) {
    this.pairingPhone = options.pairingPhone;
    this.auth = new AuthHolder(d.baileys, d.redis, d.keys, options.instanceId, p.log, options.fenceEpoch);
    this.chain = new SerialChain((err) => p.log.error('baileys event handler failed', { instanceId: options.instanceId, error: err.message }));
    this.reconnect = reconnectOptions(d.config);
    this.events = {
      baileys: d.baileys,
      instanceId: options.instanceId,
      state: p.state,
      store: p.store,
      caches: p.caches,
      logger: p.log,
      pnForLid: (lid) => this.sock?.signalRepository?.lidMapping?.getPNForLID(lid) ?? Promise.resolve(null),
      lidForPn: (pn) => this.sock?.signalRepository?.lidMapping?.getLIDForPN?.(pn) ?? Promise.resolve(null),
      // an id the send ledger holds (pending or sent, src/whatsapp/send-ledger.ts) went out through our API
      isOwnSend: async (id) => (await d.redis.exists(d.keys.sendRecord(id))) > 0,
      me: () => this.sock?.user,
      polls: { redis: d.redis, keys: d.keys, retentionMs: d.config.MESSAGE_RETENTION_DAYS * 86_400_000 },
      restriction: p.restriction,
    };
  }

  private get id(): string {
    return this.options.instanceId;
  }

  get linked(): boolean {
    return this.auth.linked;
  }

  /** connect(): a socket (unless one is up); a manual start resets the loop guard. */
  async start(): Promise<void> {
    this.closing = false;
    this.history = emptyHistory();
    this.clearTimer();
    if (this.sock) return;
    const restoring = this.options.restoring && !this.started;
    this.started = true;
    if (restoring && !(await this.auth.load()).linked()) {
      this.p.state.setStatus('qr_expired', { lastError: 'no linked credentials to restore; restart the instance to pair again' }, { reason: 'not_linked' });
      return;
    }
    this.p.state.setStatus('connecting', { lastError: undefined });
    await this.open();
  }

  /** Asks for a pairing code now (QR showing) or on the next socket's first QR. */
  async requestPairing(phone: string): Promise<void> {
    this.pairingPhone = phone;
    const sock = this.sock;
    if (sock && this.p.state.status === 'qr') this.chain.enqueue(() => this.askPairingCode(sock, phone));
    else if (!sock && !this.reconnectTimer) await this.start();
  }

  /** end(): closes the socket on purpose, keeps the credentials. */
  async stop(): Promise<void> {
    this.closing = true;
    this.clearTimer();
    await this.lock.run(() => this.closeSocket());
    await this.auth.flush();
    await this.chain.drain();
  }

  /** logout(): unlinks the device on the phone (when connected), then deletes the auth state. */
  async logout(): Promise<void> {
    this.closing = true;
    this.clearTimer();
    await this.lock.run(async () => {
      const sock = this.sock;
      if (sock && this.p.state.status === 'connected') {
        await withTimeout(sock.logout(), 10_000, 'logout timed out').catch((err: Error) => this.p.log.warn('whatsapp logout failed; deleting the credentials anyway', { instanceId: this.id, error: err.message }));
      }
      await this.closeSocket();
      await this.dropAuth();
    });
    await this.chain.drain();
  }

  private async open(): Promise<void> {
    try {
      await this.lock.run(() => this.openSocket());
    } catch (err) {
      // Redis away while loading credentials, a factory error...: handled like a failed connection.
      this.p.log.warn('could not open a whatsapp socket', { instanceId: this.id, error: (err as Error).message });
      const gen = this.generation;
      this.chain.enqueue(() => this.onClose(gen, err as Error));
    }
  }

  private async openSocket(): Promise<void> {
    // A socket that is up (a concurrent connect() built it) stays: connect is idempotent.
    if (this.closing || this.sock) return;
    // A lease left by an open that failed half-way is superseded by this claim (same holder).
    this.lease = await this.d.ownership.claim(this.id, this.p.owner);
    const auth = await this.auth.load();
    const { creds } = auth.state;
    if (!auth.linked() && creds.me) {
      // A pairing-code attempt that did not finish left `me`: with it the next socket would try
      // to log in instead of showing a QR / accepting a new code.
      delete (creds as { me?: unknown }).me;
      auth.saveCreds();
    }
    const version = await this.d.versions.get();
    if (this.closing) return this.releaseLease();
    const gen = ++this.generation;
    this.qrAttempt = 0;
    this.pairingAsked = false;
    this.appStateChecked = false;
    const { baileys, config } = this.d;
    const sock = this.d.socketFactory(
      buildSocketConfig({ baileys, config, logger: this.p.waLog, auth, version, caches: this.p.caches, store: this.p.store, socket: () => this.sock }),
    );
    this.sock = sock;
    sock.ev.process((events) => this.chain.enqueue(() => this.onEvents(gen, sock, auth, events)));
  }

  /** Ends the current socket, if any; its late events no longer count (generation bump). */
  private async closeSocket(): Promise<void> {
    const sock = this.sock;
    if (!sock) return;
    this.sock = undefined;
    this.generation++;
    await this.releaseLease();
    await withTimeout(Promise.resolve(sock.end(undefined)), 5000, 'socket end timed out').catch((err: Error) =>
      this.p.log.debug('socket end failed', { instanceId: this.id, error: err.message }),
    );
  }

  private async onEvents(gen: number, sock: WaSocketLike, auth: RedisAuthStore, events: Partial<BaileysEventMap>): Promise<void> {
    // Baileys' own listener has already merged the update into auth.state.creds: save it whole.
    if (events['creds.update']) auth.saveCreds();
    // Our push name arrives after 'open', with the first login's app-state sync (pushNameSetting,
    // lib/Utils/chat-utils.js:731-735): show it in the instance view from then on.
    const name = events['creds.update']?.me?.name;
    const me = this.p.state.me;
    if (name && me && me.name !== name && gen === this.generation) this.p.state.patch({ me: { ...me, name } });
    const update = events['connection.update'];
    if (update && gen === this.generation) await this.onConnectionUpdate(gen, sock, update);
    const creds = events['creds.update'];
    if (gen === this.generation && (update?.connection === 'open' || creds?.accountSyncCounter || creds?.myAppStateKeyId)) this.checkAppState(gen, sock, auth);
    await handleMessageEvents(this.events, events);
    noteContacts(this.d.baileys, this.p.caches.contacts, events); // names for GET /instance/:id/contacts/:contact
  }

  private async onConnectionUpdate(gen: number, sock: WaSocketLike, u: Partial<ConnectionState>): Promise<void> {
    // WhatsApp's reachout timelock (notification or our fetch, restriction-events.ts); the tracker keeps order
    if (u.reachoutTimeLock && this.p.restriction) void this.p.restriction.signal(timelockSignal(u.reachoutTimeLock));
    if (u.qr) {
      this.qrAttempt++;
      this.p.state.setStatus('qr', { qr: u.qr });
      this.p.state.emit('qr.updated', { qr: u.qr, attempt: this.qrAttempt });
      if (this.pairingPhone && !this.pairingAsked) await this.askPairingCode(sock, this.pairingPhone);
    }
    if (u.connection === 'open') {
      this.history = historyAfterOpen(this.history);
      const user = sock.user;
      const norm = (j?: string) => (j ? this.d.baileys.jidNormalizedUser(j) || j : undefined);
      const me = user ? { id: norm(user.phoneNumber ?? user.id), lid: norm(user.lid), name: user.name ?? user.notify ?? undefined } : undefined;
      this.p.state.setStatus('connected', { me, qr: undefined, pairingCode: undefined, lastError: undefined });
      if (this.p.restriction) refreshRestriction(sock, this.p.restriction, this.p.log);
    } else if (u.connection === 'close') {
      await this.onClose(gen, u.lastDisconnect?.error);
    }
  }

  /** Runs the app-state sync rc14 missed (app-state-catch-up.ts), once per socket, off the event chain. */
  private checkAppState(gen: number, sock: WaSocketLike, auth: RedisAuthStore): void {
    if (this.appStateChecked) return;
    this.appStateChecked = true;
    void catchUpAppState(this.d.baileys, sock, auth.state.creds, auth.state.keys)
      .then((done) => {
        if (done === 'wait' && gen === this.generation) this.appStateChecked = false; // again at accountSyncCounter / the key
        if (done === 'ran') this.p.log.info('app state synced after the first-login window', { instanceId: this.id });
      })
      .catch((err: Error) => this.p.log.warn('app-state catch-up failed', { instanceId: this.id, error: err.message }));
  }

  private async askPairingCode(sock: WaSocketLike, phone: string): Promise<void> {
    if (sock !== this.sock) return;
    this.pairingAsked = true;
    try {
      this.p.state.pairingCodeReady(await sock.requestPairingCode(phone), phone);
    } catch (err) {
      this.p.log.warn('pairing code request failed', { instanceId: this.id, error: (err as Error).message });
      // kept as the instance's last error, so the create and QR answers can say why there is no code
      this.p.state.patch({ lastError: `pairing code request failed: ${(err as Error).message}` });
      this.p.state.pairingFailed(new AppError('transient', `pairing code request failed: ${(err as Error).message}`));
    }
  }

  private async onClose(gen: number, error: Error | undefined): Promise<void> {
    if (gen !== this.generation) return;
    if (this.sock) {
      this.sock = undefined;
      await this.releaseLease();
    }
    const code = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
    const input = { code, message: error?.message, hasError: Boolean(error), closing: this.closing, linked: this.linked, now: Date.now(), random: (this.d.random ?? Math.random)() };
    const decision = decideOnClose(input, this.history, this.reconnect);
    this.history = decision.history;
    const detail = { reason: decision.reason, code, message: error?.message };
    const lastError = `${decision.reason}${code ? ` (${code})` : ''}: ${error?.message ?? 'closed'}`;
    if (decision.action === 'none') {
      // Our own end()/logout() set the status themselves.
      if (!this.closing) this.p.state.setStatus('disconnected', { qr: undefined, pairingCode: undefined }, detail);
      return;
    }
    if (decision.action === 'stop') {
      if (decision.deleteAuth) await this.dropAuth();
      const meta = { instanceId: this.id, reason: decision.reason, code, error: error?.message };
      if (decision.loop) this.p.log.error('whatsapp reconnect loop: instance stopped, credentials kept', meta);
      else this.p.log.warn('whatsapp connection stopped', meta);
      this.p.state.pairingFailed(new AppError('transient', `instance ${this.id} stopped: ${decision.reason}`));
      this.p.state.setStatus(decision.status, { lastError, qr: undefined, pairingCode: undefined, ...(decision.deleteAuth ? { me: undefined } : {}) }, detail);
      if (decision.loop) this.retryFailedLater();
      return;
    }
    if (decision.refreshVersion) this.d.versions.invalidate();
    // one line per attempt: an instance that cannot reach WhatsApp says so, and when it tries next
    this.p.log.warn('whatsapp reconnecting', {
      instanceId: this.id,
      reason: decision.reason,
      code,
      error: error?.message,
      attempt: decision.history.attempt,
      nextTryInMs: decision.delayMs,
      nextTryAt: new Date(Date.now() + decision.delayMs).toISOString(),
    });
    this.p.state.setStatus('reconnecting', { lastError, qr: undefined }, { ...detail, retryInMs: decision.delayMs });
    this.clearTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closing) void this.open();
    }, decision.delayMs);
  }

  private async dropAuth(): Promise<void> {
    this.p.caches.signalKeys.flushAll();
    await this.auth.drop();
  }

  private async releaseLease(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }

  /**
   * The loop guard stops an instance whose connection keeps dropping; after a WhatsApp outage
   * every instance would stay `failed` until someone restarted each one. So a stopped instance
   * tries again by itself every WA_FAILED_RETRY_MS (slow: a real fault stays visible, and a number
   * is not hammered), until it connects, is logged out or is stopped on purpose. Each try starts
   * with a fresh loop window and reports `reconnecting` (reason `failed_retry`).
   */
  private retryFailedLater(): void {
    const ms = this.d.config.WA_FAILED_RETRY_MS;
    if (ms <= 0 || this.closing) return;
    this.clearTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing || this.sock || this.p.state.status !== 'failed') return;
      this.history = emptyHistory();
      this.p.state.setStatus('reconnecting', { lastError: undefined }, { reason: 'failed_retry', retryInMs: 0 });
      void this.open();
    }, ms);
    this.reconnectTimer.unref?.();
  }

  private clearTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}
