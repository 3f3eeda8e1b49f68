/**
 * A fake Baileys socket for driving a BaileysSession without WhatsApp: its `ev` is Baileys' own
 * makeEventBuffer (real on/process/buffer/flush semantics), and it mimics what lib/Socket/socket.js
 * does around it: merges creds.update into the auth creds, emits 'connecting' on the next tick,
 * and end() emits exactly one close, then drops the connection.update listeners and destroys ev.
 */
import type { Readable } from 'node:stream';
import pino from 'pino';
import type { Baileys } from '../../src/whatsapp/baileys/loader';
import type { SocketConfig, SocketFactory, WaSocketLike } from '../../src/whatsapp/baileys/socket-types';

/** Baileys closes with Boom errors; the session only reads output.statusCode and message. */
export class FakeBoom extends Error {
  readonly isBoom = true;
  readonly output: { statusCode: number };
  constructor(message: string, statusCode: number, readonly data?: unknown) {
    super(message);
    this.output = { statusCode };
  }
}

export interface SentRecord {
  jid: string;
  content: Record<string, unknown>;
  options: Record<string, unknown>;
  /** bytes of a media stream, read to the end */
  media?: Buffer;
}

export type FakeSocket = ReturnType<typeof makeFakeSocket>;

export function makeFakeSocket(baileys: Baileys, config: SocketConfig) {
  const ev = baileys.makeEventBuffer(pino({ level: 'silent' }));
  const creds = config.auth.creds;
  ev.on('creds.update', (update) => Object.assign(creds, update));
  process.nextTick(() => ev.emit('connection.update', { connection: 'connecting', receivedPendingNotifications: false, qr: undefined }));
  const state = { closed: false, loggedOut: false };
  const sent: SentRecord[] = [];
  const reads: unknown[] = [];
  const presences: Array<{ type: string; jid?: string }> = [];
  const pairingRequests: string[] = [];
  let sendError: Error | undefined;

  const end = async (error: Error | undefined) => {
    if (state.closed) return;
    state.closed = true;
    ev.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
    ev.removeAllListeners('connection.update');
    ev.destroy();
  };

  const sock = {
    ev,
    get user() {
      return creds.me;
    },
    async sendMessage(jid: string, content: Record<string, unknown>, options: Record<string, unknown> = {}) {
      if (state.closed) throw new FakeBoom('Connection Closed', 428);
      if (sendError) throw sendError;
      const record: SentRecord = { jid, content, options };
      for (const k of ['image', 'video', 'audio', 'document']) {
        const media = content[k] as { stream?: Readable } | undefined;
        if (media?.stream) {
          const chunks: Buffer[] = [];
          for await (const c of media.stream) chunks.push(Buffer.from(c as Buffer));
          record.media = Buffer.concat(chunks);
        }
      }
      sent.push(record);
      return baileys.proto.WebMessageInfo.fromObject({
        key: { remoteJid: jid, fromMe: true, id: (options.messageId as string) ?? `FAKE${sent.length}` },
        message: typeof content.text === 'string' ? { extendedTextMessage: { text: content.text } } : { conversation: '' },
        messageTimestamp: Math.floor(Date.now() / 1000),
        status: 1,
      });
    },
    async readMessages(keys: unknown[]) {
      reads.push(...keys);
    },
    async sendPresenceUpdate(type: string, jid?: string) {
      presences.push({ type, jid });
    },
    async requestPairingCode(phone: string) {
      pairingRequests.push(phone);
      // like socket.js: `me` is set and emitted before anything is sent
      ev.emit('creds.update', { me: { id: `${phone}@s.whatsapp.net`, name: '~' }, pairingCode: 'ABCD1234' });
      return 'ABCD1234';
    },
    async logout() {
      state.loggedOut = true;
      await end(new FakeBoom('Intentional Logout', 401));
    },
    end,
    async updateMediaMessage(m: unknown) {
      return m;
    },
  };

  return {
    sock: sock as unknown as WaSocketLike,
    config,
    state,
    sent,
    reads,
    presences,
    pairingRequests,
    failSendsWith(err: Error | undefined) {
      sendError = err;
    },
    qr(qr: string) {
      ev.emit('connection.update', { qr });
    },
    /** what a successful login does: creds.update with me (+ lid), then open */
    open(me = { id: '5511999990000:7@s.whatsapp.net', lid: '123456789012345:7@lid', name: 'Loja' }) {
      ev.emit('creds.update', { me });
      ev.emit('connection.update', { connection: 'open' });
    },
    /** what a QR scan does: me + account, isNewLogin, then the server's 515 restart */
    pairSuccess(meId = '5511999990000:7@s.whatsapp.net') {
      ev.emit('creds.update', { me: { id: meId, name: 'Loja' }, account: { details: Buffer.from([1]), accountSignature: Buffer.from([2]) }, platform: 'smba' });
      ev.emit('connection.update', { isNewLogin: true, qr: undefined });
      void end(new FakeBoom('Stream Errored (restart required)', 515));
    },
    close(statusCode: number, message = 'Connection Failure') {
      return end(new FakeBoom(message, statusCode));
    },
    emit(event: string, data: unknown) {
      (ev.emit as (e: string, d: unknown) => boolean)(event, data);
    },
  };
}

/** A SocketFactory that records every fake socket it built. */
export function fakeSocketFactory(baileys: Baileys) {
  const sockets: FakeSocket[] = [];
  let maxOpenAtOnce = 0;
  const factory: SocketFactory = (config) => {
    const fake = makeFakeSocket(baileys, config);
    sockets.push(fake);
    maxOpenAtOnce = Math.max(maxOpenAtOnce, sockets.filter((s) => !s.state.closed).length);
    return fake.sock;
  };
  return {
    factory,
    sockets,
    last: () => sockets[sockets.length - 1],
    open: () => sockets.filter((s) => !s.state.closed),
    maxOpenAtOnce: () => maxOpenAtOnce,
  };
}
