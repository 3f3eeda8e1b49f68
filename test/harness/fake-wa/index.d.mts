// Types of the WhatsApp Web stand-in for TypeScript tests (the code is plain ESM, index.mjs).
// Signal modelling (which Baileys / libsignal lines each part follows): ../README.md, "Signal".
import { EventEmitter } from 'node:events';
import type { Contact, ContactOptions, FailureRule, GroupChange, GroupOptions, MessageCapInfo, TimelockOptions } from './network.mjs';
export type * from './network.mjs';

/** A binary node as Baileys encodes it (WABinary BinaryNode). */
export interface FakeNode {
  tag: string;
  attrs: Record<string, string>;
  content?: FakeNode[] | string | Uint8Array;
}

export interface KeyPair {
  public: Uint8Array;
  private: Uint8Array;
}

/**
 * A proto.Message decoded by protobufjs (the same class Baileys puts in messages.upsert): fields are
 * plain properties (`m.conversation`, `m.extendedTextMessage?.text`); proto.Message.toObject(m)
 * gives a plain object.
 */
export type DecodedMessage = Record<string, any>;

/** One <enc> of an outgoing stanza, decrypted by the stand-in device it was for. */
export interface DecryptedEnc {
  /** the device jid it was encrypted for (<to jid>, or the stanza's participant/to); the group jid for the skmsg */
  jid: string;
  type: 'pkmsg' | 'msg' | 'skmsg';
  /** the decoded message (own devices: { deviceSentMessage: { destinationJid, message } }) */
  message?: DecodedMessage;
  /** why it did not decrypt */
  error?: string;
}

export interface OutgoingMessage {
  /** stanza `to`: the chat the client sent to */
  to: string;
  /** stanza `id`: the WhatsApp message id */
  id: string;
  /** stanza `type`: text, media, reaction… */
  type: string;
  /** stanza `category` ('peer': Baileys talking to its own devices) */
  category?: string;
  /** 'lid' when `to` is a LID jid, else 'pn' */
  addressing: 'lid' | 'pn';
  /** the device jids of <participants><to jid>: whom Baileys encrypted for */
  participants: string[];
  /**
   * what was sent, decrypted by the stand-in: a group's skmsg content; else the first contact
   * device's enc; else the own phone's copy (unwrapped from deviceSentMessage); a channel post's <plaintext>
   */
  message?: DecodedMessage;
  /** every <enc> for a stand-in device, decrypted (contact devices, the own phone, the group skmsg) */
  decrypted: DecryptedEnc[];
  /** resolves once decrypted (waitForOutgoing only returns decrypted records) */
  ready: Promise<void>;
  /** set if decrypting the stanza failed as a whole (per-enc failures are in decrypted[].error) */
  decryptError?: string;
  /** set once the stand-in sent an error ack for it; received: connection.received.length at that moment */
  errorAck?: { error: string; at: number; received: number };
  node: FakeNode;
  /** index of the connection it came on */
  connection: number;
  /** Date.now() when the stand-in received it */
  at: number;
}

export interface HostedMedia {
  url: string;
  directPath: string;
  mediaKey: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
  fileLength: number;
}

export interface ImageOptions {
  caption?: string;
  mimetype?: string;
  width?: number;
  height?: number;
  /** from server.media.encryptAndHost(bytes): the client can download the image */
  hosted?: HostedMedia;
}

/** HTTPS stand-in for WhatsApp's media servers and for a file host (server option media: true). */
export declare class MediaHost {
  /** '127.0.0.1:<port>' */
  readonly host: string;
  readonly port: number;
  /** PEM of the self-signed certificate (https.Agent({ ca })) and its file (NODE_EXTRA_CA_CERTS) */
  readonly cert: Buffer;
  readonly certFile: string;
  /** every upload a client made: media type, encrypted bytes, where it is served */
  readonly uploads: { type: string; encSha256: string; bytes: Buffer; directPath: string }[];
  /** serves bytes at https://127.0.0.1:<port>/files/<name>; returns that URL */
  publish(name: string, bytes: Buffer, mimetype?: string): string;
  /** encrypts bytes as WhatsApp media and serves them; pass the result as ImageOptions.hosted */
  encryptAndHost(bytes: Buffer, mediaType?: string): Promise<HostedMedia>;
}

export interface PushMessageOptions {
  /** sender phone: digits or PN jid (not with fromMe) */
  from?: string;
  /** the sender's device number (default 0: the phone); its stanza comes from 'user:N@…' */
  device?: number;
  /** the old path: an unencrypted <plaintext> instead of Signal */
  plaintext?: boolean;
  /** typed on the account's own phone: from the own jid (device 0), recipient = `to`, wrapped in deviceSentMessage */
  fromMe?: boolean;
  /** with fromMe: the chat (contact digits, PN or LID jid) */
  to?: string;
  /** a group message from `from` (a participant) in this group ('1203…' or '1203…@g.us'): skmsg + sender key */
  group?: string;
  /** sender LID user or jid; default: the server's mapping for `from`; null: no LID attribute */
  lid?: string | null;
  /** 'pn' (default): from = PN jid + sender_lid; 'lid': from = LID jid + sender_pn */
  via?: 'pn' | 'lid';
  /** with via 'lid': no sender_pn either (a contact whose number WhatsApp hides) */
  hidePn?: boolean;
  id?: string;
  text?: string;
  image?: true | ImageOptions;
  /** any proto.IMessage object, overrides text/image */
  message?: Record<string, unknown>;
  pushName?: string;
  t?: number;
  /** mark as queued while the client was away (Baileys emits it as 'append') */
  offline?: boolean;
  /** send an <enc> of random bytes the client cannot decrypt (CIPHERTEXT stub + retry receipt) */
  undecryptable?: boolean;
}

export interface RetryOptions {
  /** the recipient device asking (default 0: the phone; Baileys then resends to every device) */
  device?: number;
  /** the retry count (default 1); from 2 on the receipt carries a key bundle, as Baileys' does */
  count?: number;
  /** include the key bundle on the first try too */
  keys?: boolean;
  /** for a group send: the participant asking (digits, PN or LID jid) */
  from?: string;
  /** default 10000 */
  timeoutMs?: number;
}

/** A contact of the account's address book (app-state contactAction, app-state.mjs). */
export interface AppStateContact {
  /** digits or PN jid */
  phone: string;
  /** LID user or jid (sent as contactAction.lidJid); default: the directory's; null: none */
  lid?: string | null;
  name?: string;
}

/** What the phone syncs to a companion at its first login after pairing (history-sync.mjs). */
export interface HistoryOptions {
  /** app state pushNameSetting: the account's push name (creds.me.name on the client) */
  pushName?: string;
  /** app state contacts (also registered like addContact) */
  contacts?: AppStateContact[];
  /** INITIAL_BOOTSTRAP conversations and their messages */
  conversations?: { with: string; name?: string; lid?: string; messages?: { text?: string; fromMe?: boolean; id?: string; t?: number }[] }[];
  /** HistorySync.phoneNumberToLidMappings */
  mappings?: { phone: string; lid: string }[];
  /** false: the key share only, no history notification (rc14 then waits 20 s and skips its app-state sync) */
  bootstrap?: boolean;
}

/** The account's app state as the stand-in serves it (app-state.mjs). */
export declare class AppState {
  readonly keyIdBase64: string;
  readonly contacts: { pnJid: string; lidJid?: string; name?: string }[];
  readonly pushName?: string;
  /** every w:sync:app:state fetch answered: the collections and versions asked */
  readonly fetches: { connection: number; collections: { name: string; version: number }[] }[];
  /** resolves once every mutation added so far is encoded */
  readonly pending: Promise<void>;
}

export interface ScanOptions {
  /** account phone digits; default: server.phone */
  phone?: string;
  /** companion device number; default 1 */
  device?: number;
  /** account LID user (digits); default: derived from the phone */
  lid?: string;
  /** send stream:error 515 after the client signs (what WhatsApp does); default true */
  restart?: boolean;
  platform?: string;
}

export declare class FakeWaConnection extends EventEmitter {
  readonly server: FakeWaServer;
  readonly index: number;
  /** every node the client sent on this connection */
  readonly received: FakeNode[];
  /** the <message> and <receipt> stanzas the stand-in sent to the client */
  readonly sent: FakeNode[];
  /** digits of the logged-in account */
  readonly accountPhone?: string;
  /** 'register': unpaired client (QR flow); 'login': paired creds */
  kind?: 'register' | 'login';
  /** decoded ClientPayload of the handshake */
  payload?: Record<string, any>;
  /** 'phone:device' of a login */
  readonly device?: string;
  readonly closed: Promise<void>;
  isClosed: boolean;
  loggedIn?: boolean;
  silent: boolean;
  send(node: FakeNode): void;
  waitFor(pred: (n: FakeNode) => boolean, timeoutMs?: number): Promise<FakeNode>;
  /** resolves once the client has sent nothing for quietMs (default 150); close only settled connections */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  sendQrRefs(refs?: string[]): void;
  /** plays the phone scanning the QR string Baileys emitted; resolves with the client's pair-device-sign */
  scanQr(qr: string, options?: ScanOptions): Promise<FakeNode>;
  /** plays the user typing the pairing code on the phone; phone defaults to the number the client asked for */
  enterPairingCode(code: string, options?: ScanOptions): Promise<FakeNode>;
  loginSuccess(options?: { offline?: boolean }): void;
  /** pushes an incoming message (Signal-encrypted unless plaintext/undecryptable); returns its id at once */
  pushMessage(options: PushMessageOptions): string;
  /** resolves once every queued stanza (encrypted pushes) went out; rejects with a failed one */
  flush(): Promise<void>;
  /** <enc v=2 type=pkmsg|msg> of a message from a stand-in device (PN/LID device jid) to this client device */
  encryptFrom(senderDeviceJid: string, message: Record<string, unknown>): Promise<FakeNode>;
  /** sends that device's retry receipt for `out`; resolves with the client's (decrypted) resend */
  requestRetry(out: OutgoingMessage, options?: RetryOptions): Promise<OutgoingMessage>;
  /** delivery (no type), 'read' or 'played' receipt; from defaults to the stanza's `to`, via 'lid': its LID */
  sendReceipt(id: string, options?: { type?: 'read' | 'played'; from?: string; via?: 'lid' }): void;
  /** <ack class=message error> for a sent message now (from: the `to` of an unknown id) */
  sendErrorAck(id: string, error: number | string, from?: string): void;
  /** <notification type=mex> reachout timelock set / lifted (and what w:mex fetches answer from now on) */
  pushReachoutTimelock(options?: TimelockOptions): void;
  /** <notification type=mex> new-chat message capping update */
  pushMessageCapping(info: MessageCapInfo): void;
  /** a status story (status@broadcast) from a contact, with its sender key; returns its id */
  pushStatus(options: { from: string; text?: string; id?: string; pushName?: string }): string;
  /** a channel post (<id>@newsletter, plaintext); returns its id */
  pushNewsletter(options?: { newsletter?: string; text?: string; id?: string; serverId?: string }): string;
  /** first login after pairing: resolves once the phone sent its key share and bootstrap history */
  historySync?: Promise<{ id: string; message: Record<string, unknown> }[]>;
  /** 515, 440 (conflict replaced), 401/403/405 (failure), others as stream:error code */
  closeWith(code: number): void;
  streamError(code: number): void;
  goSilent(): void;
  drop(): void;
}

export interface FakeWaServerOptions {
  rootKey?: KeyPair;
  phone?: string;
  autoQr?: boolean;
  qrRefs?: string[];
  autoLogin?: boolean;
  /** pre-key count the server reports; default: what the device uploaded (0 after pairing) or 50 */
  preKeyCount?: number;
  /** phone digits usync reports as not on WhatsApp */
  notOnWhatsApp?: string[];
  /** 'everyone' (default): every number is on WhatsApp; 'registered': only addContact numbers and paired accounts */
  directory?: 'everyone' | 'registered';
  /** also run the HTTPS media host (server.media) */
  media?: boolean;
  /** what the phone sends at a device's first login after pairing (default {}: key share, empty history); false: nothing */
  history?: HistoryOptions | false;
}

export declare class FakeWaServer extends EventEmitter {
  constructor(options?: FakeWaServerOptions);
  readonly options: FakeWaServerOptions;
  readonly rootKey: KeyPair;
  phone: string;
  readonly connections: FakeWaConnection[];
  readonly outgoing: OutgoingMessage[];
  readonly port: number;
  readonly url: string;
  readonly publicKeyBase64: string;
  readonly current: FakeWaConnection | undefined;
  /** the media host, when started with media: true */
  readonly media?: MediaHost;
  start(port?: number): Promise<this>;
  stop(): Promise<void>;
  waitForConnection(options?: { kind?: 'register' | 'login'; since?: number; timeoutMs?: number }): Promise<FakeWaConnection>;
  onNextLogin(fn: (conn: FakeWaConnection) => void): void;
  waitForOutgoing(pred?: (o: OutgoingMessage) => boolean, timeoutMs?: number): Promise<OutgoingMessage>;
  setLid(phone: string, lidUser: string): void;
  /** LID jid (no device) of a PN jid */
  lidFor(pnJid: string): string;
  /** registers a WhatsApp account (exact number: no 8/9-digit rewriting) */
  addContact(phone: string, options?: ContactOptions): Contact;
  /** matching outgoing messages end with an error ack */
  failOutgoing(rule: FailureRule): FailureRule;
  clearFailures(): void;
  /** a group the account is in (metadata answered); any other group id answers 403 forbidden */
  addGroup(group: GroupOptions): GroupOptions;
  /** the account left the group: its metadata answers 403 forbidden */
  leaveGroup(id: string): void;
  /** changes a group and sends the current connection its <notification type=w:gp2>; returns that node */
  changeGroup(id: string, change: GroupChange, options?: { by?: string }): FakeNode;
  /** the contact's profile picture URL; null: hidden by their privacy (IQ error 401); never set: none (404) */
  setProfilePicture(phone: string, url: string | null): void;
  /** what the phone sends at the next first logins after pairing (server option history; may be changed) */
  history: HistoryOptions | false;
  /** the account's app state (key, patches, fetches) */
  readonly appState: AppState;
  /** adds app-state contacts / push name; resolves once encoded; synced logins get <notification type=server_sync> and fetch them */
  setAppState(state: { contacts?: AppStateContact[]; pushName?: string }): Promise<void>;
  /** events: 'outgoing' (a decrypted OutgoingMessage), 'retry-resend' ({ id, count, connection }: a push sent again after the client's retry receipt) */
  on(event: string | symbol, listener: (...args: any[]) => void): this; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** the Signal side (signal.mjs): stand-in device identities and what each client device registered */
  readonly signal: {
    /** one-time pre-keys still held for a client device ('phone:device'); each session a stand-in device opens takes one */
    preKeysLeft(device: string): number | undefined;
  };
  /** what w:mex restriction fetches answer (set by pushReachoutTimelock / pushMessageCapping) */
  restrictions: { timelock?: Record<string, unknown>; capping?: MessageCapInfo };
}

export declare function trustRootKey(key: Uint8Array | string): void;
export declare function restoreRootKey(): void;
export declare function parseQr(qr: string): { ref: string; noiseKey: Buffer; identityKey: Buffer; advSecret: Buffer; platformId?: string };
export declare function imageContent(options?: ImageOptions): { imageMessage: Record<string, unknown> };
