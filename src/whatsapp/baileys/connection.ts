/**
 * The socket lifecycle of one instance. Rules:
 * - one socket at a time: sockets are built and torn down under a per-instance lock, and each
 *   socket holds a lease of the instance's ownership (claiming ends any other session's socket of
 *   the same instance first);
 * - every event of a socket runs on one serial promise chain (in order, one at a time; a failing
 *   handler is logged and the chain goes on); events of a socket we replaced or ended are ignored
 *   for the connection state (a generation number); the handling is in connection-events.ts;
 * - closes go through the pure reconnect policy (connection-close.ts applies it); shutting down
 *   uses sock.end() with a closing flag (sock.ws.close() would look like a network drop and reconnect).
 */
import type { Lease } from '../host/ownership';
import { withTimeout } from '../../shared/redis';
import type { CreateSessionOptions } from '../types';
import { AuthHolder } from './auth-holder';
import { Lock, SerialChain } from './serial';
import { buildSocketConfig } from './socket-config';
import type { WaSocketLike } from './socket-types';
import type { ConnectionParts, SessionDeps } from './session-deps';
import { SocketEvents } from './connection-events';
import { CloseHandler } from './connection-close';

export class Connection {
  sock?: WaSocketLike;
  pairingPhone?: string;
  private generation = 0;
  /** the ownership lease of the instance, taken before a socket is built, given back when it is gone */
  private lease?: Lease;
  private readonly auth: AuthHolder;
  private closing = false;
  private started = false;
  private readonly lock = new Lock();
  private readonly chain: SerialChain;
  /** the socket's events: connection.update, app-state catch-up, messages (connection-events.ts) */
  private readonly events: SocketEvents;
  /** the loop guard's history and the reconnect timer (connection-close.ts) */
  private readonly closes: CloseHandler;

  constructor(
    private readonly d: SessionDeps,
    private readonly options: CreateSessionOptions,
    private readonly p: ConnectionParts,
  ) {
    this.pairingPhone = options.pairingPhone;
    this.auth = new AuthHolder(d.baileys, d.authRedis ?? d.redis, d.keys, options.instanceId, p.log, options.fenceEpoch);
    this.chain = new SerialChain((err) => p.log.error('baileys event handler failed', { instanceId: options.instanceId, error: err.message }));
    const instanceId = options.instanceId;
    // hosts of plain closures, so the connection's own fields stay private to it
    this.closes = new CloseHandler(d, p, {
      instanceId,
      closing: () => this.closing,
      linked: () => this.linked,
      hasSocket: () => Boolean(this.sock),
      open: () => this.open(),
      dropAuth: () => this.dropAuth(),
    });
    this.events = new SocketEvents(d, p, {
      instanceId,
      sock: () => this.sock,
      pairingPhone: () => this.pairingPhone,
      isCurrent: (gen) => gen === this.generation,
      opened: () => this.closes.opened(),
      onClose: (gen, error) => this.onClose(gen, error),
    });
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
    this.closes.reset();
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
    if (sock && this.p.state.status === 'qr') this.chain.enqueue(() => this.events.askPairingCode(sock, phone));
    else if (!sock && !this.closes.waiting) await this.start();
  }

  /** end(): closes the socket on purpose, keeps the credentials. */
  async stop(): Promise<void> {
    this.closing = true;
    this.closes.clearTimer();
    await this.lock.run(() => this.closeSocket());
    await this.auth.flush();
    await this.chain.drain();
  }

  /** logout(): unlinks the device on the phone (when connected), then deletes the auth state. */
  async logout(): Promise<void> {
    this.closing = true;
    this.closes.clearTimer();
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
    this.events.newSocket();
    const { baileys, config } = this.d;
    const sock = this.d.socketFactory(
      buildSocketConfig({ baileys, config, logger: this.p.waLog, auth, version, caches: this.p.caches, store: this.p.store, socket: () => this.sock }),
    );
    this.sock = sock;
    sock.ev.process((events) => this.chain.enqueue(() => this.events.onEvents(gen, sock, auth, events)));
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

  private async onClose(gen: number, error: Error | undefined): Promise<void> {
    if (gen !== this.generation) return;
    if (this.sock) {
      this.sock = undefined;
      await this.releaseLease();
    }
    await this.closes.afterClose(error);
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
}
