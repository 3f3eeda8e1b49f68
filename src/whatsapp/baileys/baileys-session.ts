/**
 * WhatsAppSession over Baileys: the lifecycle lives in Connection (connection.ts); this class
 * adds the actions. Baileys (ESM) loads asynchronously, so the socket side is built on the first
 * connect() / requestPairingCode(); until then the session only has its state ('created'). Every action checks our own status first ('connected' from connection.update,
 * not sock.ws.isOpen, which is also true while a QR shows) and turns any failure into an AppError
 * with a code the workers act on (send-errors.ts). The caller's messageId becomes the WhatsApp
 * message id, so a retried job can never produce a second, differently-identified message.
 */
import type { Readable } from 'node:stream';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { AppError } from '../../shared/errors';
import { MESSAGE_ID_RE } from '../ids';
import { normalizePhone } from '../phone';
import type { WaAddress } from '../address';
import type { CreateSessionOptions, EventSink, MediaDownload, NumberLookup, PresenceTarget, ReadTarget, SessionSnapshot, WhatsAppSession } from '../types';
import type { SendContent, SendResult } from '../../channels/content';
import { Connection } from './connection';
import { chatJidFor } from './addressing';
import type { WaSocketLike } from './socket-types';
import { contentOf, MEDIA_KEYS } from './inbound';
import { buildOutbound, Outbound, userJid } from './outbound';
import { sendingExtras } from './outbound-extra';
import { MessageStore } from './message-store';
import { quotableMessage, socketAlias } from './stored-chat';
import { classifySendError, errorCode } from './send-errors';
import { removeAuthState } from './redis-auth-store';
import type { SessionDeps } from './session-deps';
import { LIVE_STATUSES, SessionState } from './session-state';
import { createSessionCaches, SessionCaches } from './socket-config';
import { contactProfile, CrmReadContext, groupInfo, listGroups } from './crm-reads';
import type { ContactProfile, ContactQuery, GroupDetails, GroupSummary } from '../crm-types';
import { RestrictionTracker, sessionRestriction } from '../restriction/tracker';
import { RestrictionStore } from '../restriction/store';
import type { RestrictionSignal } from '../restriction/rules';
import { lookupNumbers } from './number-lookup';

const MEDIA_FETCH_TIMEOUT_MS = 60_000;
const PAIRING_CODE_TIMEOUT_MS = 30_000;

/** What a session needs before Baileys is loaded (the driver's context). */
export interface SessionContext {
  ready(): Promise<SessionDeps>;
  config: SessionDeps['config'];
  logger: SessionDeps['logger'];
  redis: SessionDeps['redis'];
  keys: SessionDeps['keys'];
}

interface Built {
  d: SessionDeps;
  conn: Connection;
  store: MessageStore;
  caches: SessionCaches;
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

  async send(to: WaAddress, content: SendContent, messageId: string): Promise<SendResult> {
    if (!MESSAGE_ID_RE.test(messageId)) throw new AppError('bad_request', 'messageId must be 8 to 64 letters or digits');
    const { sock, conn, store, baileys } = this.connected();
    const jid = await this.chatJid(sock, to);
    let out: Outbound | undefined;
    try {
      out = await buildOutbound(content, {
        jid,
        media: { timeoutMs: MEDIA_FETCH_TIMEOUT_MS, maxBytes: this.ctx.config.MEDIA_MAX_BYTES },
        extra: sendingExtras(baileys, this.ctx.config, this.log, MEDIA_FETCH_TIMEOUT_MS),
        quoted: (id) => quotableMessage(baileys, store, id, jid, socketAlias(baileys, sock)),
      });
      if (conn.sock !== sock) throw new AppError('instance_not_connected', `instance ${this.instanceId} lost its connection`);
      const sent = await sock.sendMessage(jid, out.content, { ...out.options, messageId, mediaUploadTimeoutMs: MEDIA_FETCH_TIMEOUT_MS });
      // kept whole (quote, mentions, expiry, media keys): a resend after a restart is the same message
      if (sent) await store.remember(withChatAlt(sent, to, jid));
      return { waMessageId: sent?.key?.id ?? messageId, jid, timestamp: Date.now() };
    } catch (err) {
      streamOf(out)?.destroy();
      throw classifySendError(err, this.instanceId, { group: to.kind === 'group' });
    }
  }

  async markRead(targets: ReadTarget[]): Promise<void> {
    if (!targets.length) return;
    const { sock } = this.connected();
    const keys = await Promise.all(
      targets.map(async (t) => ({ remoteJid: await this.chatJid(sock, t.chat), id: t.messageId, fromMe: false, ...(t.participant ? { participant: t.participant.jid } : {}) })),
    );
    await sock.readMessages(keys).catch((err: unknown) => {
      throw classifySendError(err, this.instanceId);
    });
  }

  async sendPresence(target: PresenceTarget): Promise<void> {
    const global = target.state === 'available' || target.state === 'unavailable';
    const { sock } = this.connected();
    // rc14 drops available/unavailable silently while the account's push name is unknown
    // (lib/Socket/chats.js:603-610 "no name present"; the <presence name> attribute needs it). Read
    // it from authState.creds.me: `sock.user` is a getter (lib/Socket/socket.js:931-933) that the
    // upper layers copy by value when they spread the socket (lib/Socket/chats.js:1149 `...sock`),
    // so it stays the `me` object of the socket's start and never sees the name set later.
    if (global && !(sock.authState?.creds.me ?? sock.user)?.name) throw new AppError('conflict', `instance ${this.instanceId} does not know its push name yet (WhatsApp sends it with the app-state sync), so WhatsApp would get no ${target.state} presence`);
    const jid = global ? undefined : await this.chatJid(sock, target.to);
    await sock.sendPresenceUpdate(target.state, jid).catch((err: unknown) => {
      throw classifySendError(err, this.instanceId);
    });
  }

  async downloadMedia(messageId: string): Promise<MediaDownload> {
    const b = this.built;
    const msg = await b?.store.get(messageId);
    const found = b && msg ? contentOf(b.d.baileys, msg) : undefined;
    if (!b || !msg || !found || !MEDIA_KEYS.has(found.key)) {
      throw new AppError('not_found', `no media for message ${messageId} on instance ${this.instanceId} (the newest ${this.ctx.config.WA_MESSAGE_STORE_MAX} messages of the last ${this.ctx.config.WA_MESSAGE_STORE_TTL_HOURS} hours are kept)`);
    }
    const media = (found.content as Record<string, { mimetype?: string | null; fileLength?: unknown; fileName?: string | null }>)[found.key];
    const sock = b.conn.sock;
    // Media older than a few weeks is gone from WhatsApp's servers (404/410): ask the phone to re-upload.
    const reuploadRequest = (m: WAMessage) =>
      sock && this.state.status === 'connected' ? sock.updateMediaMessage(m) : Promise.reject(new AppError('instance_not_connected', 'media expired and the instance is not connected to ask for a re-upload'));
    try {
      const stream = await b.d.baileys.downloadMediaMessage(msg, 'stream', {}, { logger: b.d.waLogger, reuploadRequest });
      const size = media.fileLength != null ? Number(b.d.baileys.toNumber(media.fileLength as number)) : undefined;
      return { mimetype: media.mimetype ?? 'application/octet-stream', size: size || undefined, fileName: media.fileName ?? undefined, stream };
    } catch (err) {
      if (err instanceof AppError) throw err;
      const code = errorCode(err);
      if (code === 404 || code === 410) throw new AppError('not_found', `media of message ${messageId} is no longer on WhatsApp's servers`);
      throw new AppError('transient', `media download failed: ${(err as Error).message}`);
    }
  }

  /** One usync contact + LID query for the phones (number-lookup.ts: why not sock.onWhatsApp). */
  async checkNumbers(phones: string[]): Promise<NumberLookup[]> {
    const { sock } = this.connected();
    const b = this.built!;
    if (!sock.executeUSyncQuery) throw new AppError('transient', `instance ${this.instanceId} cannot query WhatsApp's directory`);
    try {
      return await lookupNumbers(b.d.baileys, { executeUSyncQuery: sock.executeUSyncQuery, signalRepository: sock.signalRepository }, phones);
    } catch (err) {
      throw classifySendError(err, this.instanceId);
    }
  }

  /** The CRM's reads (crm-reads.ts): groups, one group, a contact's names and picture. */
  listGroups(): Promise<GroupSummary[]> {
    return listGroups(this.crmContext());
  }

  groupInfo(groupJid: string): Promise<GroupDetails> {
    return groupInfo(this.crmContext(), groupJid);
  }

  contactProfile(query: ContactQuery): Promise<ContactProfile> {
    return contactProfile(this.crmContext(), query);
  }

  private crmContext(): CrmReadContext {
    const { sock } = this.connected();
    const b = this.built!;
    return { baileys: b.d.baileys, sock, caches: b.caches, instanceId: this.instanceId };
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

  /** The address the chat uses (addressing.ts chatJidFor: the LID of a number when known). */
  private async chatJid(sock: WaSocketLike, address: WaAddress): Promise<string> {
    const baileys = this.built?.d.baileys;
    const lidMapping = sock.signalRepository?.lidMapping;
    if (!baileys || !lidMapping?.getLIDForPN) return address.jid;
    return chatJidFor(baileys, address, (pn) => lidMapping.getLIDForPN!(pn));
  }

  private connected() {
    const b = this.built;
    const sock = b?.conn.sock;
    if (!b || !sock || this.state.status !== 'connected') {
      throw new AppError('instance_not_connected', `instance ${this.instanceId} is ${this.state.status}`, { status: this.state.status });
    }
    return { sock, conn: b.conn, store: b.store, baileys: b.d.baileys };
  }
}

/** The sent message with the chat's other identity (the phone JID of a send that went to its LID), so resend and quote lookups by either find it. */
function withChatAlt(sent: WAMessage, to: WaAddress, jid: string): WAMessage {
  if (to.kind !== 'pn' || to.jid === jid || sent.key.remoteJidAlt) return sent;
  sent.key = { ...sent.key, remoteJidAlt: to.jid };
  return sent;
}

function streamOf(out: Outbound | undefined): Readable | undefined {
  const c = out?.content as Record<string, { stream?: Readable } | undefined> | undefined;
  if (!c) return undefined;
  for (const k of ['image', 'video', 'audio', 'document', 'sticker']) if (c[k]?.stream) return c[k]?.stream;
  return undefined;
}
