/**
 * The session interface: what whatsapp-server needs from a WhatsApp Web connection, whatever
 * drives it (the real Baileys adapter or the sandbox). Nothing outside src/whatsapp/baileys-*
 * knows Baileys exists.
 */
import type { AnyEventInput } from '../events/envelope';
import type { SendContent, SendResult } from '../channels/content';
import type { WaAddress } from './address';
import type { Channel } from '../channels/channel';
import type { RestrictionSignal } from './restriction/rules';
import type { ContactProfile, ContactQuery, GroupDetails, GroupSummary } from './crm-types';


export type InstanceStatus =
  | 'created' // registered, no socket yet
  | 'connecting'
  | 'qr' // waiting for a QR scan or a pairing code
  | 'connected'
  | 'reconnecting'
  | 'disconnected' // closed on purpose (shutdown, restart)
  | 'logged_out' // unlinked on the phone: auth state deleted, needs pairing again
  | 'qr_expired' // QR codes ran out on an unpaired instance: stopped until asked again
  | 'failed'; // reconnect loop guard tripped or a fatal close code: stopped, credentials kept

export interface PresenceTarget {
  /** ignored for 'available' / 'unavailable' (they are not about one chat) */
  to: WaAddress;
  state: 'composing' | 'recording' | 'paused' | 'available' | 'unavailable';
}

export interface ReadTarget {
  chat: WaAddress;
  messageId: string;
  /** in groups: who wrote the message */
  participant?: WaAddress;
}

export interface MediaDownload {
  mimetype: string;
  size?: number;
  fileName?: string;
  stream: NodeJS.ReadableStream;
}

export interface SessionSnapshot {
  instanceId: string;
  status: InstanceStatus;
  qr?: string;
  pairingCode?: string;
  /** phone-number JID and LID of the linked account, when known */
  me?: { id?: string; lid?: string; name?: string };
  lastError?: string;
  updatedAt: number;
}

export interface CreateSessionOptions {
  instanceId: string;
  /** digits only; when present the session asks for a pairing code instead of (only) a QR */
  pairingPhone?: string;
  /** true when restoring at start: never ask for a new QR, only reconnect linked credentials */
  restoring?: boolean;
  /**
   * the epoch of this shard's lease of the instance (sharded servers, host/fence.ts): auth state
   * writes check it, so a session whose instance another shard claimed cannot write. Absent: one server.
   */
  fenceEpoch?: number;
}

/**
 * What WhatsApp's directory answered for one phone, exactly as asked (a session never rewrites a
 * number: Brazil's two spellings are two questions, see brazil-phone.ts and number-check.ts).
 */
export interface NumberLookup {
  /** the phone asked (digits, country code first) */
  phone: string;
  exists: boolean;
  /** the account's PN JID as WhatsApp named it (it may differ from the phone asked) */
  jid?: string;
  /** the account's LID, when WhatsApp told it */
  lid?: string;
}

/** Where a session reports everything (enqueued on the webhook queue by the manager). */
export type EventSink = (event: AnyEventInput) => void;

export interface WhatsAppSession {
  readonly instanceId: string;
  connect(): Promise<void>;
  snapshot(): SessionSnapshot;
  requestPairingCode(phone: string): Promise<string>;
  /** Sends with messageId as the WhatsApp message id. Throws AppError with a classified code. */
  send(to: WaAddress, content: SendContent, messageId: string): Promise<SendResult>;
  markRead(targets: ReadTarget[]): Promise<void>;
  sendPresence(target: PresenceTarget): Promise<void>;
  downloadMedia(messageId: string): Promise<MediaDownload>;
  /**
   * Which of these phones (digits, as given) have a WhatsApp account: one directory query for the
   * list (callers batch it), one answer per phone asked, in any order. Throws AppError.
   */
  checkNumbers(phones: string[]): Promise<NumberLookup[]>;
  /** The groups the number participates in (cached per session, dropped on group events). Throws AppError. */
  listGroups(): Promise<GroupSummary[]>;
  /** One group's metadata with its participants; not_in_group when the number is not in it. */
  groupInfo(groupJid: string): Promise<GroupDetails>;
  /** Names, the other identity and the profile picture of a person (no directory lookup). */
  contactProfile(query: ContactQuery): Promise<ContactProfile>;
  /**
   * A restriction signal learned outside the socket (a late 463 seen by whatsapp-server's receipt
   * observer): merged into the session's restriction state, reported as 'instance.restriction'.
   */
  noteRestriction?(signal: RestrictionSignal): Promise<void>;
  /** Unlinks the device on the phone and deletes the auth state. */
  logout(): Promise<void>;
  /** Closes the socket on purpose, keeping the auth state (shutdown, restart). */
  end(): Promise<void>;
}

export interface SessionDriver {
  readonly name: 'baileys' | 'sandbox';
  create(options: CreateSessionOptions, sink: EventSink): WhatsAppSession;
  /** Deletes any stored auth state of the instance (delete / logout). */
  removeAuthState(instanceId: string): Promise<void>;
  /** True when stored credentials are linked (restorable without a QR). */
  hasLinkedAuthState(instanceId: string): Promise<boolean>;
}

/** Per-instance overrides of the global pacing and budget defaults (stored in the registry; set at create). */
export interface InstanceSettings {
  minGapMs?: number;
  jitterMs?: number;
  /** budget caps (src/budget/): sends per rolling minute / hour, per local day, new chats per day; 0 = none */
  perMinute?: number;
  perHour?: number;
  dailyCap?: number;
  newChatsPerDay?: number;
  /** recipients of one identical text per rolling hour before its sends are spread; 0 = none */
  identicalPerHour?: number;
  /** false: no warm-up for this number (it is known to be old) */
  warmup?: boolean;
  /** when the number started on WhatsApp (ISO date): the warm-up counts its age from here */
  numberSince?: string;
  typing?: boolean;
}

/** One entry of the instance registry (Redis HASH keys.instances, field = instanceId, value = JSON). */
export interface InstanceRecord {
  instanceId: string;
  /** absent on records made before channels existed: DEFAULT_CHANNEL (whatsapp) */
  channel?: Channel;
  status: InstanceStatus;
  createdAt: number;
  updatedAt: number;
  /** per-instance webhook URL overriding the family URLs */
  webhookUrl?: string;
  /** more URLs: with them every event of the instance goes to webhookUrl and each of these (webhooks/subscriptions.ts) */
  webhookUrls?: string[];
  /** the event types the instance's webhooks carry (`message.received`, `message.*`); absent: all */
  webhookEvents?: string[];
  pairingPhone?: string;
  settings?: InstanceSettings;
  /** when the number was first seen connected (warm-up age without settings.numberSince) */
  linkedAt?: number;
  me?: SessionSnapshot['me'];
  lastError?: string;
}

/** Instance ids: what the CRM uses as a key; safe in Redis keys, URLs and logs. */
export const INSTANCE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
