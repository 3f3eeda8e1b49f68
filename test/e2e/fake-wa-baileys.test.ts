/**
 * Proves the WhatsApp Web stand-in (test/harness/fake-wa) against plain Baileys 7 makeWASocket:
 * QR pairing, login, incoming messages with LIDs, a send, receipts and the close codes the
 * session manager reacts to. No network: the client connects to ws://127.0.0.1.
 */
import type { AuthenticationCreds, ConnectionState, WAMessage, WAMessageUpdate, WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeWaServer as FakeWaServerT } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { memoryKeys } from '../harness/plain-baileys';

type Baileys = typeof import('@whiskeysockets/baileys', { with: { 'resolution-mode': 'import' } });
type Harness = typeof import('../harness/fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

const PHONE = '5511999990000';
const CONTACT = '5511988887777';
const CONTACT_LID = '204000000000001';

const quiet = { level: 'silent', child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let B: Baileys;
let H: Harness;
let wa: FakeWaServerT;
let creds: AuthenticationCreds;
const store = new Map<string, unknown>();
const sockets: WASocket[] = [];

const keys = memoryKeys(store);

function connect(extra: Record<string, unknown> = {}, auth = { creds: (): AuthenticationCreds => creds, keys }): WASocket {
  const own = auth.creds();
  const sock = B.makeWASocket({
    auth: { creds: own, keys: auth.keys },
    logger: quiet,
    waWebSocketUrl: wa.url,
    version: [2, 3000, 1],
    markOnlineOnConnect: false,
    shouldSyncHistoryMessage: () => false, // otherwise a fresh session buffers events 20 s awaiting history
    ...extra,
  });
  sock.ev.on('creds.update', (u) => Object.assign(own, u));
  sockets.push(sock);
  return sock;
}

function nextUpdate(sock: WASocket, pred: (u: Partial<ConnectionState>) => boolean): Promise<Partial<ConnectionState>> {
  return new Promise((resolve) => sock.ev.on('connection.update', (u) => pred(u) && resolve(u)));
}
const closeCode = (u: Partial<ConnectionState>) => (u.lastDisconnect?.error as { output?: { statusCode?: number } })?.output?.statusCode;

async function openSession(): Promise<WASocket> {
  const sock = connect();
  await nextUpdate(sock, (u) => u.connection === 'open');
  return sock;
}

beforeAll(async () => {
  B = await import('@whiskeysockets/baileys');
  H = await import('../harness/fake-wa/index.mjs');
  // preKeyCount: a fresh device would upload 812 pre-keys, and Baileys leaves a 30 s upload-timeout
  // timer running after every upload (Socket/socket.js uploadPreKeys), which would outlive the test
  wa = await new H.FakeWaServer({ phone: PHONE, preKeyCount: 50 }).start();
  H.trustRootKey(wa.publicKeyBase64);
  wa.setLid(CONTACT, CONTACT_LID);
  creds = B.initAuthCreds();
});

afterAll(async () => {
  for (const s of sockets) s.end(undefined);
  await wa.stop();
  H.restoreRootKey();
});

describe('Baileys 7 against the WhatsApp Web stand-in', () => {
  let sock: WASocket;

  test('the harness patches the same Baileys instance the client uses', () => {
    expect(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY).toString('base64')).toBe(wa.publicKeyBase64);
  });

  test('QR -> scan -> 515 restart -> login -> open, with me and lid stored', async () => {
    const first = connect();
    const qr = (await nextUpdate(first, (u) => !!u.qr)).qr!;
    expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#REF1,/);
    const closed = nextUpdate(first, (u) => u.connection === 'close');
    const since = wa.connections.length;
    await wa.current!.scanQr(qr, { device: 4 });
    expect(closeCode(await closed)).toBe(B.DisconnectReason.restartRequired);
    expect(creds.me?.id).toBe(`${PHONE}:4@s.whatsapp.net`);
    expect(creds.me?.lid).toMatch(/^\d+:4@lid$/);

    sock = await openSession();
    const login = await wa.waitForConnection({ kind: 'login', since });
    expect(login.device).toBe(`${PHONE}:4`);
    await waitUntil(() => store.get('lid-mapping:' + PHONE) === creds.me?.lid?.split(':')[0]); // own LID mapping
  });

  test('incoming text and image arrive as notify upserts with PN and LID', async () => {
    const got: WAMessage[] = [];
    sock.ev.on('messages.upsert', ({ messages, type }) => type === 'notify' && got.push(...messages));
    const conn = wa.current!;
    const textId = conn.pushMessage({ from: CONTACT, text: 'oi', pushName: 'Ana' });
    const imageId = conn.pushMessage({ from: CONTACT, via: 'lid', image: { caption: 'foto' } });
    await waitUntil(() => got.length >= 2);

    const text = got.find((m) => m.key.id === textId)!;
    expect(text.key).toMatchObject({ remoteJid: `${CONTACT}@s.whatsapp.net`, remoteJidAlt: `${CONTACT_LID}@lid`, fromMe: false });
    expect(text.message?.conversation).toBe('oi');
    expect(text.pushName).toBe('Ana');

    const image = got.find((m) => m.key.id === imageId)!;
    expect(image.key).toMatchObject({ remoteJid: `${CONTACT_LID}@lid`, remoteJidAlt: `${CONTACT}@s.whatsapp.net` });
    expect(image.message?.imageMessage).toMatchObject({ caption: 'foto', mimetype: 'image/jpeg' });
    expect(image.message?.imageMessage?.mediaKey?.length).toBe(32);
    // Baileys acknowledged both with delivery receipts
    await conn.waitFor((n) => n.tag === 'receipt' && n.attrs.id === imageId);
  });

  test('sendMessage -> the stand-in captures the stanza; receipts -> status 3 then 4', async () => {
    const updates: WAMessageUpdate[] = [];
    sock.ev.on('messages.update', (u) => updates.push(...u));
    const sent = (await sock.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'resposta' }))!;
    const out = await wa.waitForOutgoing((o) => o.id === sent.key.id);
    expect(out.to).toBe(`${CONTACT}@s.whatsapp.net`);
    expect(out.type).toBe('text');

    const conn = wa.current!;
    const statusOf = () => updates.filter((u) => u.key.id === sent.key.id).map((u) => u.update.status);
    await sleep(300); // let the send's own buffered events flush first
    conn.sendReceipt(sent.key.id!);
    await waitUntil(() => statusOf().includes(3));
    conn.sendReceipt(sent.key.id!, { type: 'read' });
    await waitUntil(() => statusOf().includes(4));
    expect(statusOf()).toEqual([3, 4]);
  });

  test.each([
    [515, 'stream:error 515 (restart required)'],
    [440, 'conflict replaced'],
    [401, 'failure 401 (logged out)'],
  ])('close %i: %s reaches connection.update', async (code) => {
    const s = await openSession();
    const conn = wa.current!;
    await conn.settle(); // init queries answered, nothing left pending in Baileys
    const closed = nextUpdate(s, (u) => u.connection === 'close');
    conn.closeWith(code);
    expect(closeCode(await closed)).toBe(code);
  });

  test('close 405 at login (version refused)', async () => {
    wa.onNextLogin((c) => c.closeWith(405));
    const s = connect();
    const u = await nextUpdate(s, (x) => x.connection === 'close');
    expect(closeCode(u)).toBe(405);
  });

  test('pairing code typed on the "phone" -> 515, me set to that number', async () => {
    const fresh = B.initAuthCreds();
    const s = connect({}, { creds: () => fresh, keys: memoryKeys(new Map()) });
    await nextUpdate(s, (u) => !!u.qr); // codes are asked once the server is in registration mode
    const code = await s.requestPairingCode('5511977776666');
    const closed = nextUpdate(s, (u) => u.connection === 'close');
    await wa.current!.enterPairingCode(code, { device: 5 });
    expect(closeCode(await closed)).toBe(B.DisconnectReason.restartRequired);
    expect(fresh.me?.id).toBe('5511977776666:5@s.whatsapp.net');
    expect(fresh.registered).toBe(true);
  });

  test('a silent server is detected by the keep-alive (408)', async () => {
    // unanswered pings stay pending for defaultQueryTimeoutMs even after the close: keep it short
    const s = connect({ keepAliveIntervalMs: 300, defaultQueryTimeoutMs: 500 });
    await nextUpdate(s, (u) => u.connection === 'open');
    const closed = nextUpdate(s, (u) => u.connection === 'close');
    wa.current!.goSilent();
    const u = await closed;
    expect(closeCode(u)).toBe(B.DisconnectReason.connectionLost);
    expect(u.lastDisconnect?.error?.message).toBe('Connection was lost');
    await sleep(600);
  }, 15000);
});

async function waitUntil(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
