/**
 * The events of one socket of a connection (connection.ts runs each batch on its serial chain):
 * credentials saved, connection.update (QR, pairing code, open, close), the app-state catch-up,
 * then the message events (message-events.ts) and the contact book. A batch of a socket that was
 * replaced or ended (an older generation) no longer changes the connection state.
 */
import type { BaileysEventMap, ConnectionState } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import { handleMessageEvents, MessageEventContext } from './message-events';
import type { RedisAuthStore } from './redis-auth-store';
import type { WaSocketLike } from './socket-types';
import type { ConnectionParts, SessionDeps } from './session-deps';
import { refreshRestriction, timelockSignal } from './restriction-events';
import { noteContacts } from './contact-book';
import { catchUpAppState } from './app-state-catch-up';

/** What the event handling reads of its connection and asks it to do (connection.ts). */
export interface EventsHost {
  readonly instanceId: string;
  /** the connection's current socket */
  sock(): WaSocketLike | undefined;
  pairingPhone(): string | undefined;
  /** the socket of generation `gen` is still the connection's */
  isCurrent(gen: number): boolean;
  /** the socket opened: the loop guard's history moves on (connection-close.ts) */
  opened(): void;
  onClose(gen: number, error: Error | undefined): Promise<void>;
}

export class SocketEvents {
  private qrAttempt = 0;
  /** the app-state catch-up was decided for the current socket (app-state-catch-up.ts) */
  private appStateChecked = false;
  private pairingAsked = false;
  private readonly events: MessageEventContext;

  constructor(
    private readonly d: SessionDeps,
    private readonly p: ConnectionParts,
    private readonly host: EventsHost,
  ) {
    this.events = {
      baileys: d.baileys,
      instanceId: host.instanceId,
      state: p.state,
      store: p.store,
      caches: p.caches,
      logger: p.log,
      pnForLid: (lid) => host.sock()?.signalRepository?.lidMapping?.getPNForLID(lid) ?? Promise.resolve(null),
      lidForPn: (pn) => host.sock()?.signalRepository?.lidMapping?.getLIDForPN?.(pn) ?? Promise.resolve(null),
      // an id the send ledger holds (pending or sent, src/whatsapp/send-ledger.ts) went out through our API
      isOwnSend: async (id) => (await d.redis.exists(d.keys.sendRecord(id))) > 0,
      me: () => host.sock()?.user,
      polls: { redis: d.redis, keys: d.keys, retentionMs: d.config.MESSAGE_RETENTION_DAYS * 86_400_000 },
      restriction: p.restriction,
    };
  }

  private get id(): string {
    return this.host.instanceId;
  }

  /** A new socket: its QRs count from 1, a pairing code is asked again, the catch-up is decided again. */
  newSocket(): void {
    this.qrAttempt = 0;
    this.pairingAsked = false;
    this.appStateChecked = false;
  }

  async onEvents(gen: number, sock: WaSocketLike, auth: RedisAuthStore, events: Partial<BaileysEventMap>): Promise<void> {
    // Baileys' own listener has already merged the update into auth.state.creds: save it whole.
    if (events['creds.update']) auth.saveCreds();
    // Our push name arrives after 'open', with the first login's app-state sync (pushNameSetting,
    // lib/Utils/chat-utils.js:731-735): show it in the instance view from then on.
    const name = events['creds.update']?.me?.name;
    const me = this.p.state.me;
    if (name && me && me.name !== name && this.host.isCurrent(gen)) this.p.state.patch({ me: { ...me, name } });
    const update = events['connection.update'];
    if (update && this.host.isCurrent(gen)) await this.onConnectionUpdate(gen, sock, update);
    const creds = events['creds.update'];
    if (this.host.isCurrent(gen) && (update?.connection === 'open' || creds?.accountSyncCounter || creds?.myAppStateKeyId)) this.checkAppState(gen, sock, auth);
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
      const phone = this.host.pairingPhone();
      if (phone && !this.pairingAsked) await this.askPairingCode(sock, phone);
    }
    if (u.connection === 'open') {
      this.host.opened();
      const user = sock.user;
      const norm = (j?: string) => (j ? this.d.baileys.jidNormalizedUser(j) || j : undefined);
      const me = user ? { id: norm(user.phoneNumber ?? user.id), lid: norm(user.lid), name: user.name ?? user.notify ?? undefined } : undefined;
      this.p.state.setStatus('connected', { me, qr: undefined, pairingCode: undefined, lastError: undefined });
      if (this.p.restriction) refreshRestriction(sock, this.p.restriction, this.p.log);
    } else if (u.connection === 'close') {
      await this.host.onClose(gen, u.lastDisconnect?.error);
    }
  }

  /** Runs the app-state sync rc14 missed (app-state-catch-up.ts), once per socket, off the event chain. */
  private checkAppState(gen: number, sock: WaSocketLike, auth: RedisAuthStore): void {
    if (this.appStateChecked) return;
    this.appStateChecked = true;
    void catchUpAppState(this.d.baileys, sock, auth.state.creds, auth.state.keys)
      .then((done) => {
        if (done === 'wait' && this.host.isCurrent(gen)) this.appStateChecked = false; // again at accountSyncCounter / the key
        if (done === 'ran') this.p.log.info('app state synced after the first-login window', { instanceId: this.id });
      })
      .catch((err: Error) => this.p.log.warn('app-state catch-up failed', { instanceId: this.id, error: err.message }));
  }

  async askPairingCode(sock: WaSocketLike, phone: string): Promise<void> {
    if (sock !== this.host.sock()) return;
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
}
