/**
 * Plain Baileys 7 (makeWASocket, no project code) paired with the WhatsApp Web stand-in, for tests
 * that assert what Baileys itself emits and returns. Keys live in a Map (`store`: 'type:id' -> value).
 */
import type { AuthenticationCreds, BaileysEventMap, ConnectionState, SignalDataTypeMap, WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeWaServer } from './fake-wa/index.mjs' with { 'resolution-mode': 'import' };

export type Baileys = typeof import('@whiskeysockets/baileys', { with: { 'resolution-mode': 'import' } });

const quiet = { level: 'silent', child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function memoryKeys(map: Map<string, unknown>) {
  return {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const out: Record<string, SignalDataTypeMap[T]> = {};
      for (const id of ids) if (map.has(`${type}:${id}`)) out[id] = map.get(`${type}:${id}`) as SignalDataTypeMap[T];
      return out;
    },
    set: async (data: Record<string, Record<string, unknown>>) => {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) (v ? map.set(`${type}:${id}`, v) : map.delete(`${type}:${id}`));
    },
  };
}

export function nextUpdate(sock: WASocket, pred: (u: Partial<ConnectionState>) => boolean): Promise<Partial<ConnectionState>> {
  return new Promise((resolve) => sock.ev.on('connection.update', (u) => pred(u) && resolve(u)));
}

/** Every payload of `event` from now on (arrays are flattened). */
export function collect<E extends keyof BaileysEventMap>(sock: WASocket, event: E): BaileysEventMap[E] extends (infer I)[] ? I[] : BaileysEventMap[E][] {
  const got: unknown[] = [];
  sock.ev.on(event, (data) => (Array.isArray(data) ? got.push(...data) : got.push(data)));
  return got as never;
}

export async function waitUntil<T>(fn: () => T | undefined | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class PlainBaileys {
  readonly store = new Map<string, unknown>();
  readonly sockets: WASocket[] = [];
  creds!: AuthenticationCreds;

  constructor(
    readonly B: Baileys,
    readonly wa: FakeWaServer,
  ) {
    this.creds = B.initAuthCreds();
  }

  connect(extra: Record<string, unknown> = {}): WASocket {
    const sock = this.B.makeWASocket({
      auth: { creds: this.creds, keys: memoryKeys(this.store) },
      logger: quiet as never,
      waWebSocketUrl: this.wa.url,
      version: [2, 3000, 1],
      markOnlineOnConnect: false,
      shouldSyncHistoryMessage: () => false, // otherwise a fresh session buffers events 20 s awaiting history
      ...extra,
    });
    sock.ev.on('creds.update', (u) => Object.assign(this.creds, u));
    this.sockets.push(sock);
    return sock;
  }

  /** QR -> the stand-in scans it -> 515 -> a logged-in, open socket. */
  async pairAndOpen(device = 2): Promise<WASocket> {
    const first = this.connect();
    const qr = (await nextUpdate(first, (u) => !!u.qr)).qr!;
    const closed = nextUpdate(first, (u) => u.connection === 'close');
    await this.wa.current!.scanQr(qr, { device });
    await closed;
    const sock = this.connect();
    await nextUpdate(sock, (u) => u.connection === 'open');
    await this.wa.current!.settle(); // login IQs answered: nothing of the login left in flight
    return sock;
  }

  end(): void {
    for (const s of this.sockets) s.end(undefined);
  }
}
