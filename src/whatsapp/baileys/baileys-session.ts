/**
 * WhatsAppSession over Baileys: the lifecycle lives in Connection (connection.ts); this class
 * adds the actions. Baileys (ESM) loads asynchronously, so the socket side is built on the first
 * connect() / requestPairingCode(); until then the session only has its state ('created').
 * Every action checks our own status first ('connected' from connection.update,
 * not sock.ws.isOpen, which is also true while a QR shows) and turns any failure into an AppError
 * with a code the workers act on (send-errors.ts). The caller's messageId becomes the WhatsApp
 * message id, so a retried job can never produce a second, differently-identified message.
 * The actions' bodies: session-send.ts (send, read, presence), session-media.ts (downloads),
 * session-reads.ts (number checks, the CRM's reads); they see the session through a SessionView.
 */
import { AppError } from '../../shared/errors';
import { normalizePhone } from '../phone';
import type { WaAddress } from '../address';
import type { CreateSessionOptions, EventSink, MediaDownload, NumberLookup, PresenceTarget, ReadTarget, SessionSnapshot, WhatsAppSession } from '../types';
import type { SendContent, SendResult } from '../../channels/content';
import { Connection } from './connection';
import { MessageStore } from './message-store';
import { removeAuthState } from './redis-auth-store';
import type { SessionDeps } from './session-deps';
import { LIVE_STATUSES, SessionState } from './session-state';
import { createSessionCaches } from './socket-config';
import { contactProfile, groupInfo, listGroups } from './crm-reads';
import type { ContactProfile, ContactQuery, GroupDetails, GroupSummary } from '../crm-types';
import { RestrictionTracker, sessionRestriction } from '../restriction/tracker';
import { RestrictionStore } from '../restriction/store';
import type { RestrictionSignal } from '../restriction/rules';
import type { Built, Linked, SessionView } from './session-view';
import { markRead, sendMessage, sendPresence } from './session-send';
import { downloadMedia } from './session-media';
import { checkNumbers, crmContext } from './session-reads';

const PAIRING_CODE_TIMEOUT_MS = 30_000;

/** What a session needs before Baileys is loaded (the driver's context). */
export interface SessionContext {
  ready(): Promise<SessionDeps>;
  config: SessionDeps['config'];
  logger: SessionDeps['logger'];
  redis: SessionDeps['redis'];
  keys: SessionDeps['keys'];
}

export class BaileysSession implements WhatsAppSession {
  readonly instanceId: string;
  private readonly state: SessionState;
  private readonly log: SessionDeps['logger'];
  /** reachout timelock and new-chat cap: one merge point per instance (restriction/tracker.ts) */
  private readonly restriction: RestrictionTracker;
  private building?: Promise<Built>;
  private built?: Built;
  /** bumped by end()/logout(), so a connect() still loading Baileys does not start afterwards */
  private epoch = 0;
  /** what the actions' files see of this session (session-view.ts) */
  private readonly view: SessionView;

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: CreateSessionOptions,
    sink: EventSink,
  ) {
    this.instanceId = options.instanceId;
    this.log = ctx.logger.child({ instanceId: options.instanceId });
    this.state = new SessionState(options.instanceId, sink, this.log);
    const store = new RestrictionStore(ctx.redis, ctx.keys, ctx.config.MESSAGE_RETENTION_DAYS * 86_400_000);
    this.restriction = sessionRestriction({ instanceId: options.instanceId, store, ackHoldMs: ctx.config.RESTRICTION_ACK_HOLD_MS, logger: this.log }, (s) =>
      this.state.emit('instance.restriction', s),
    );
    this.view = {
      instanceId: this.instanceId,
      config: ctx.config,
      log: this.log,
      state: this.state,
      built: () => this.built,
      connected: () => this.connected(),
    };
  }

  private build(): Promise<Built> {
    this.building ??= this.ctx.ready().then(
      (d) => {
        const windowMs = d.config.WA_MESSAGE_STORE_TTL_HOURS * 3_600_000;
        const store = new MessageStore(d.baileys, d.redis, d.keys, this.instanceId, { max: d.config.WA_MESSAGE_STORE_MAX, windowMs, logger: this.log });
        const caches = createSessionCaches();
        const conn = new Connection(d, this.options, {
          state: this.state,
          caches,
          store,
          waLog: d.waLogger.child({ instanceId: this.instanceId }),
          log: this.log,
          owner: this,
          restriction: this.restriction,
        });
        return (this.built = { d, conn, store, caches });
      },
      (err: unknown) => {
        this.building = undefined;
        throw err;
      },
    );
    return this.building;
  }

  snapshot(): SessionSnapshot {
    return this.state.snapshot();
  }

  async connect(): Promise<void> {
    const epoch = this.epoch;
    const { conn } = await this.build();
    if (epoch === this.epoch) await conn.start();
  }

  async requestPairingCode(phone: string): Promise<string> {
    const digits = normalizePhone(phone);
    if (!digits) throw new AppError('bad_request', `not a phone number: ${phone}`);
    const { conn } = await this.build();
    if (this.state.status === 'connected' || conn.linked) throw new AppError('conflict', `instance ${this.instanceId} is already linked`);
    const current = this.state.pairingCode;
    if (current && conn.pairingPhone === digits && conn.sock) return current;
    const waiting = this.state.waitForPairingCode(Math.max(PAIRING_CODE_TIMEOUT_MS, this.ctx.config.PAIRING_CODE_WAIT_MS));
    waiting.catch(() => undefined); // rejections are the caller's, through the return below
    await conn.requestPairing(digits);
    return waiting;
  }

  send(to: WaAddress, content: SendContent, messageId: string): Promise<SendResult> {
    return sendMessage(this.view, to, content, messageId);
  }

  markRead(targets: ReadTarget[]): Promise<void> {
    return markRead(this.view, targets);
  }

  sendPresence(target: PresenceTarget): Promise<void> {
    return sendPresence(this.view, target);
  }

  downloadMedia(messageId: string): Promise<MediaDownload> {
    return downloadMedia(this.view, messageId);
  }

  checkNumbers(phones: string[]): Promise<NumberLookup[]> {
    return checkNumbers(this.view, phones);
  }

  /** The CRM's reads (crm-reads.ts): groups, one group, a contact's names and picture. */
  listGroups(): Promise<GroupSummary[]> {
    return listGroups(crmContext(this.view));
  }

  groupInfo(groupJid: string): Promise<GroupDetails> {
    return groupInfo(crmContext(this.view), groupJid);
  }

  contactProfile(query: ContactQuery): Promise<ContactProfile> {
    return contactProfile(crmContext(this.view), query);
  }

  /** A late 463 seen by whatsapp-server (restriction.ts has the rule). */
  noteRestriction(signal: RestrictionSignal): Promise<void> {
    return this.restriction.signal(signal);
  }

  async logout(): Promise<void> {
    this.restriction.dispose();
    this.epoch++;
    const b = this.building ? await this.building.catch(() => undefined) : undefined;
    if (b) {
      await b.conn.logout();
      await b.store.clear(); // what the event chain stored while the logout drained it
    } else {
      await removeAuthState(this.ctx.redis, this.ctx.keys, this.instanceId);
    }
    this.state.pairingFailed(new AppError('conflict', `instance ${this.instanceId} logged out`));
    this.state.setStatus('logged_out', { me: undefined, qr: undefined, pairingCode: undefined }, { reason: 'logout' });
  }

  async end(): Promise<void> {
    this.restriction.dispose();
    this.epoch++;
    const b = this.building ? await this.building.catch(() => undefined) : undefined;
    await b?.conn.stop();
    this.state.pairingFailed(new AppError('transient', `instance ${this.instanceId} was stopped`));
    if (LIVE_STATUSES.has(this.state.status)) this.state.setStatus('disconnected', { qr: undefined, pairingCode: undefined }, { reason: 'intentional' });
  }

  private connected(): Linked {
    const b = this.built;
    const sock = b?.conn.sock;
    if (!b || !sock || this.state.status !== 'connected') {
      throw new AppError('instance_not_connected', `instance ${this.instanceId} is ${this.state.status}`, { status: this.state.status });
    }
    return { sock, conn: b.conn, store: b.store, baileys: b.d.baileys };
  }
}

