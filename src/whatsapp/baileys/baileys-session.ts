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
import { RecentMessages } from './recent-messages';
import { classifySendError, errorCode } from './send-errors';
import { removeAuthState } from './redis-auth-store';
import type { SessionDeps } from './session-deps';
import { LIVE_STATUSES, SessionState } from './session-state';
import { createSessionCaches } from './socket-config';
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
  recent: RecentMessages;
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
        const recent = new RecentMessages(d.baileys, d.config.WA_RECENT_MESSAGES);
        const conn = new Connection(d, this.options, {
          state: this.state,
          caches: createSessionCaches(),
          recent,
          waLog: d.waLogger.child({ instanceId: this.instanceId }),
          log: this.log,
          owner: this,
          restriction: this.restriction,
        });
        return (this.built = { d, conn, recent });
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
    const { sock, conn, recent } = this.connected();
    const jid = await this.chatJid(sock, to);
    let out: Outbound | undefined;
    try {
      out = await buildOutbound(content, {
        jid,
        media: { timeoutMs: MEDIA_FETCH_TIMEOUT_MS, maxBytes: this.ctx.config.MEDIA_MAX_BYTES },
        recent: (id) => recent.get(id),
      });
      if (conn.sock !== sock) throw new AppError('instance_not_connected', `instance ${this.instanceId} lost its connection`);
      const sent = await sock.sendMessage(jid, out.content, { ...out.options, messageId, mediaUploadTimeoutMs: MEDIA_FETCH_TIMEOUT_MS });
      if (sent) recent.remember(sent);
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
    const jid = global ? undefined : await this.chatJid(sock, target.to);
    await sock.sendPresenceUpdate(target.state, jid).catch((err: unknown) => {
      throw classifySendError(err, this.instanceId);
    });
  }

  async downloadMedia(messageId: string): Promise<MediaDownload> {
    const b = this.built;
    const msg = b?.recent.get(messageId);
    const found = b && msg ? contentOf(b.d.baileys, msg) : undefined;
    if (!b || !msg || !found || !MEDIA_KEYS.has(found.key)) {
      throw new AppError('not_found', `no media for message ${messageId} on instance ${this.instanceId} (only the last ${this.ctx.config.WA_RECENT_MESSAGES} messages are kept)`);
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
      b.recent.clear();
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
    return { sock, conn: b.conn, recent: b.recent };
  }
}

function streamOf(out: Outbound | undefined): Readable | undefined {
  const c = out?.content as Record<string, { stream?: Readable } | undefined> | undefined;
  if (!c) return undefined;
  for (const k of ['image', 'video', 'audio', 'document']) if (c[k]?.stream) return c[k]?.stream;
  return undefined;
}
