import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { AppError } from '../../shared/errors';
import { eventInput } from '../../events/envelope';
import type { EventDataMap, EventType } from '../../events/catalog';
import type { ConnectionUpdateData } from '../../events/instance-data';
import type { MessageReceivedData } from '../../events/message-data';
import { canonicalAddress, WaAddress } from '../address';
import { buildIncoming, sandboxLid, SimulatedIncoming, StoredMedia } from './incoming';
import type { CreateSessionOptions, EventSink, InstanceStatus, MediaDownload, NumberLookup, PresenceTarget, ReadTarget, SessionSnapshot, WhatsAppSession } from '../types';
import { sandboxLookup } from './numbers';
import { SandboxDirectory } from './crm-reads';
import type { ContactProfile, ContactQuery, GroupDetails, GroupSummary } from '../crm-types';
import type { SendContent, SendResult } from '../../channels/content';
import { RestrictionTracker, sessionRestriction } from '../restriction/tracker';
import { restrictionSignals, SimulatedRestriction } from './restriction';
import type { RestrictionSignal, RestrictionState } from '../restriction/rules';

export interface LinkedMarker {
  me: NonNullable<SessionSnapshot['me']>;
  linkedAt: number;
}

export interface SendLogEntry {
  instanceId: string;
  to: string;
  messageId: string;
  contentType: SendContent['type'];
  time: string;
  at: number;
  /** text, or the caption of media: lets tests check what a recipient got (templates) */
  text?: string;
}

/** What a sandbox session needs from its driver (Redis marker, send log). */
export interface SandboxContext {
  config: Pick<Config, 'SANDBOX_LATENCY_MS' | 'SANDBOX_FAILURE_RATE' | 'SANDBOX_LINK_DELAY_MS' | 'SANDBOX_RECEIPT_DELAY_MS' | 'SANDBOX_LATE_REJECT_RATE' | 'SANDBOX_LID_CONTACTS'>;
  logger: Logger;
  readLinked(instanceId: string): Promise<LinkedMarker | undefined>;
  markLinked(instanceId: string, marker: LinkedMarker): Promise<void>;
  removeLinked(instanceId: string): Promise<void>;
  logSend(entry: SendLogEntry): Promise<void>;
  /** the restriction state in Redis and RESTRICTION_ACK_HOLD_MS (absent: starts from none, a 463 marks nothing) */
  restrictions?: { store: { get(instanceId: string): Promise<RestrictionState | undefined> }; ackHoldMs: number };
}

const MAX_STORED_MEDIA = 100;

/**
 * A WhatsApp session with no network: a brand new instance shows one QR (or pairing code) for
 * SANDBOX_LINK_DELAY_MS and then links by itself (0: links at once, no QR); a linked instance
 * (marker in Redis) connects without a QR, also when restoring. Sends take SANDBOX_LATENCY_MS, fail
 * a SANDBOX_FAILURE_RATE fraction with a retryable error, and are followed by receipts.
 * Every timer callback and every call into the sink is guarded: nothing here can crash the process.
 */
export class SandboxSession implements WhatsAppSession {
  readonly instanceId: string;
  private state: SessionSnapshot;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly media = new Map<string, StoredMedia>();
  private linkScheduled = false;
  private readonly restriction: RestrictionTracker;
  /** groups and push names from simulated incoming messages (crm-reads.ts) */
  private readonly directory = new SandboxDirectory();

  constructor(private readonly options: CreateSessionOptions, private readonly sink: EventSink, private readonly ctx: SandboxContext) {
    this.instanceId = options.instanceId;
    this.state = { instanceId: options.instanceId, status: 'created', updatedAt: Date.now() };
    const r = ctx.restrictions ?? { store: { get: async () => undefined }, ackHoldMs: 0 };
    this.restriction = sessionRestriction({ instanceId: this.instanceId, store: r.store, ackHoldMs: r.ackHoldMs, logger: ctx.logger }, (state) =>
      this.emit('instance.restriction', { ...state, sandbox: true }),
    );
  }

  snapshot(): SessionSnapshot {
    return { ...this.state, me: this.state.me ? { ...this.state.me } : undefined };
  }

  async connect(): Promise<void> {
    if (['connecting', 'qr', 'connected'].includes(this.state.status)) return;
    this.setStatus('connecting');
    const linked = await this.ctx.readLinked(this.instanceId);
    if (this.state.status !== 'connecting') return; // ended meanwhile
    if (linked) return this.open(linked.me);
    if (this.options.restoring) return this.setStatus('qr_expired', { lastError: 'no linked credentials to restore; restart the instance to pair again' });
    if (this.ctx.config.SANDBOX_LINK_DELAY_MS === 0) return this.link();
    if (this.options.pairingPhone) {
      await this.requestPairingCode(this.options.pairingPhone);
      return;
    }
    const qr = `sandbox@${this.instanceId},${randomBytes(24).toString('base64')}`;
    this.setStatus('qr', { qr });
    this.emit('qr.updated', { qr, attempt: 1, sandbox: true });
    this.scheduleLink();
  }

  async requestPairingCode(phone: string): Promise<string> {
    if (this.state.status === 'connected') throw new AppError('conflict', `instance ${this.instanceId} is already linked`);
    const code = randomBytes(4).toString('hex').toUpperCase();
    this.setStatus('qr', { pairingCode: code, qr: undefined });
    this.emit('pairing.code', { code, phone, sandbox: true });
    this.scheduleLink();
    return code;
  }

  async send(recipient: WaAddress, content: SendContent, messageId: string): Promise<SendResult> {
    this.requireConnected();
    await this.sleep(this.ctx.config.SANDBOX_LATENCY_MS);
    this.requireConnected(); // the connection may have dropped while "sending"
    if (Math.random() < this.ctx.config.SANDBOX_FAILURE_RATE) throw new AppError('transient', 'sandbox: simulated send failure');
    const at = Date.now();
    const canonical = canonicalAddress(recipient);
    const text = content.type === 'text' ? content.text : 'caption' in content ? content.caption : undefined;
    await this.ctx.logSend({ instanceId: this.instanceId, to: canonical, messageId, contentType: content.type, time: new Date(at).toISOString(), at, ...(text === undefined ? {} : { text }) });
    // with LID contacts a number's chat is its LID, as the Baileys driver addresses it (chatJidFor)
    const lid = recipient.kind === 'lid' ? recipient.jid : recipient.kind === 'pn' && this.ctx.config.SANDBOX_LID_CONTACTS ? sandboxLid(recipient.phone) : null;
    const jid = lid ?? recipient.jid;
    this.scheduleReceipts(messageId, jid, lid);
    return { waMessageId: messageId, jid, timestamp: at };
  }

  async markRead(_targets: ReadTarget[]): Promise<void> {
    this.requireConnected();
  }

  async sendPresence(_target: PresenceTarget): Promise<void> {
    this.requireConnected();
  }

  async downloadMedia(messageId: string): Promise<MediaDownload> {
    const media = this.media.get(messageId);
    if (!media) throw new AppError('not_found', `no media for message ${messageId} on instance ${this.instanceId}`);
    return { mimetype: media.mimetype, fileName: media.fileName, size: media.data.length, stream: Readable.from([media.data]) };
  }

  /** The sandbox's directory (sandbox/numbers.ts): numbers ending in 0000 and 8-digit Brazilian mobiles have no account. */
  async checkNumbers(phones: string[]): Promise<NumberLookup[]> {
    this.requireConnected();
    await this.sleep(this.ctx.config.SANDBOX_LATENCY_MS);
    this.requireConnected();
    return phones.map((phone) => sandboxLookup(phone, this.ctx.config.SANDBOX_LID_CONTACTS ? sandboxLid : undefined));
  }

  /** The groups it received messages in (crm-reads.ts). */
  async listGroups(): Promise<GroupSummary[]> {
    this.requireConnected();
    return this.directory.listGroups();
  }

  async groupInfo(groupJid: string): Promise<GroupDetails> {
    this.requireConnected();
    return this.directory.groupInfo(groupJid);
  }

  async contactProfile(query: ContactQuery): Promise<ContactProfile> {
    this.requireConnected();
    return this.directory.contactProfile(query);
  }

  /** Makes the sandbox "receive" a message: emits 'message.received' and keeps its media for download. */
  simulateIncoming(input: SimulatedIncoming): MessageReceivedData {
    this.requireConnected();
    const { data, media } = buildIncoming(this.instanceId, input, this.ctx.config.SANDBOX_LID_CONTACTS);
    if (media) {
      this.media.set(data.messageId, media);
      if (this.media.size > MAX_STORED_MEDIA) this.media.delete(this.media.keys().next().value as string);
    }
    this.directory.note(data, this.state.me);
    this.emit('message.received', data);
    return data;
  }

  /** Plays WhatsApp's restriction notifications (sandbox/restriction.ts); resolves with the state after them. */
  async simulateRestriction(input: SimulatedRestriction): Promise<RestrictionState> {
    for (const signal of restrictionSignals(input)) await this.restriction.signal(signal);
    return this.restriction.current();
  }

  noteRestriction(signal: RestrictionSignal): Promise<void> {
    return this.restriction.signal(signal);
  }

  async logout(): Promise<void> {
    this.restriction.dispose();
    this.clearTimers();
    await this.ctx.removeLinked(this.instanceId);
    this.setStatus('logged_out', { me: undefined, qr: undefined, pairingCode: undefined });
  }

  async end(): Promise<void> {
    this.restriction.dispose();
    this.clearTimers();
    if (this.state.status !== 'logged_out' && this.state.status !== 'disconnected') this.setStatus('disconnected', { qr: undefined, pairingCode: undefined });
  }

  private scheduleLink(): void {
    if (this.linkScheduled) return;
    this.linkScheduled = true;
    this.later(this.ctx.config.SANDBOX_LINK_DELAY_MS, () => this.link());
  }

  /** The "scan": stores the linked marker, then opens. */
  private async link(): Promise<void> {
    this.linkScheduled = false;
    const digits = this.options.pairingPhone ?? `5500${randomInt(100_000_000, 999_999_999)}`;
    const me = { id: `${digits}@s.whatsapp.net`, lid: `${randomInt(10 ** 13, 10 ** 14)}@lid`, name: `Sandbox ${this.instanceId}` };
    await this.ctx.markLinked(this.instanceId, { me, linkedAt: Date.now() });
    if (this.state.status === 'qr' || this.state.status === 'connecting') this.open(me);
  }

  private open(me: LinkedMarker['me']): void {
    this.setStatus('connected', { me, qr: undefined, pairingCode: undefined, lastError: undefined });
  }

  /**
   * server_ack, delivered, read; or, for SANDBOX_LATE_REJECT_RATE of sends, server_ack then an error
   * 463 as Baileys reports WhatsApp's error ack (messages.update status ERROR, code in
   * messageStubParameters[0]: lib/Socket/messages-recv.js handleBadAck).
   */
  private scheduleReceipts(messageId: string, jid: string, lid: string | null): void {
    const gap = this.ctx.config.SANDBOX_RECEIPT_DELAY_MS;
    const rejected = Math.random() < this.ctx.config.SANDBOX_LATE_REJECT_RATE;
    const states: Array<'server_ack' | 'delivered' | 'read' | 'error'> = rejected ? ['server_ack', 'error'] : ['server_ack', 'delivered', 'read'];
    states.forEach((status, i) => {
      this.later(gap * (i + 1), () => {
        if (this.state.status !== 'connected') return;
        const error = status === 'error' ? '463' : undefined;
        this.emit('message.status', { messageId, waMessageId: messageId, chatId: jid, lid, fromMe: true, status, timestamp: Math.floor(Date.now() / 1000), ...(error ? { error } : {}), sandbox: true });
      });
    });
  }

  private requireConnected(): void {
    if (this.state.status !== 'connected') throw new AppError('instance_not_connected', `instance ${this.instanceId} is ${this.state.status}`);
  }

  private setStatus(status: InstanceStatus, fields: Partial<SessionSnapshot> = {}): void {
    const previousStatus = this.state.status;
    this.state = { ...this.state, ...fields, status, updatedAt: Date.now() };
    const data: ConnectionUpdateData = { status, previousStatus, sandbox: true };
    if (this.state.me) data.me = this.state.me;
    if (fields.lastError) data.reason = fields.lastError;
    this.emit('connection.update', data);
  }

  private emit<T extends EventType>(type: T, data: EventDataMap[T]): void {
    try {
      this.sink(eventInput(type, this.instanceId, data));
    } catch (err) {
      this.ctx.logger.error('event sink failed', { instanceId: this.instanceId, type, error: (err as Error).message });
    }
  }

  /** A timer whose callback can neither throw nor reject out of the session. */
  private later(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      Promise.resolve()
        .then(fn)
        .catch((err: Error) => {
          this.ctx.logger.error('sandbox session handler failed', { instanceId: this.instanceId, error: err.message });
          this.setStatus('failed', { lastError: err.message });
        });
    }, ms);
    this.timers.add(timer);
  }

  private sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.linkScheduled = false;
  }
}
