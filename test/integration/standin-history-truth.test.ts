/**
 * What plain Baileys 7.0.0-rc14 itself does with the stand-in's first-login history and app state
 * (test/harness/fake-wa/history-sync.mjs, app-state.mjs) and its status stories (broadcasts.mjs),
 * so the daemon's e2e test (test/e2e/standin-app-state.test.ts) rests on Baileys' behaviour, not on
 * the stand-in's. No project code: makeWASocket with the history kinds socket-config.ts accepts.
 */
import type { WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeWaServer } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { Baileys, collect, nextUpdate, PlainBaileys, sleep, waitUntil } from '../harness/plain-baileys';

type Harness = typeof import('../harness/fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

const PHONE = '5511900000004';
const ANA = { phone: '5511955554444', lid: '204000000000044', name: 'Ana Souza' };
const CARLA = { phone: '5511944443333', lid: '204000000000033', name: 'Carla' };
const OLD_ID = '3EB0OLDHISTORY000000001';

let B: Baileys;
let H: Harness;
let wa: FakeWaServer;
let client: PlainBaileys;
let sock: WASocket;
let history: Array<{ messages: unknown[]; contacts: unknown[] }>;

beforeAll(async () => {
  B = await import('@whiskeysockets/baileys');
  H = await import('../harness/fake-wa/index.mjs');
  wa = await new H.FakeWaServer({
    phone: PHONE,
    preKeyCount: 50,
    history: { pushName: 'Loja Teste', contacts: [ANA], conversations: [{ with: '5511933332222', messages: [{ id: OLD_ID, text: 'ontem' }] }] },
  }).start();
  H.trustRootKey(wa.publicKeyBase64);
  client = new PlainBaileys(B, wa);
  const HS = B.proto.HistorySync.HistorySyncType;
  const kinds = new Set<number>([HS.INITIAL_BOOTSTRAP, HS.RECENT, HS.PUSH_NAME, HS.NON_BLOCKING_DATA]);
  const options = { syncFullHistory: false, shouldSyncHistoryMessage: (m: { syncType?: number | null }) => m.syncType != null && kinds.has(m.syncType) };
  const first = client.connect(options);
  const qr = (await nextUpdate(first, (u) => !!u.qr)).qr!;
  const closed = nextUpdate(first, (u) => u.connection === 'close');
  await wa.current!.scanQr(qr, { device: 2 });
  await closed;
  sock = client.connect(options);
  history = collect(sock, 'messaging-history.set') as never;
  await nextUpdate(sock, (u) => u.connection === 'open');
});

afterAll(async () => {
  client?.end();
  await sleep(50);
  await wa?.stop();
  H?.restoreRootKey();
});

describe('the phone at the first login after pairing (plain Baileys rc14)', () => {
  it('key share + bootstrap history start the initial app-state sync: push name and LID mappings load', async () => {
    await waitUntil(() => client.creds.accountSyncCounter, 20_000, 'app-state sync done (accountSyncCounter)');
    expect(client.creds.me?.name).toBe('Loja Teste');
    expect(client.creds.myAppStateKeyId).toBe(wa.appState.keyIdBase64);
    expect(await sock.signalRepository.lidMapping.getPNForLID(`${ANA.lid}@lid`)).toBe(`${ANA.phone}:0@s.whatsapp.net`);
    expect(wa.appState.fetches).toHaveLength(1);
    // the history's message comes as messaging-history.set (process-message.js:271-276), not as an upsert
    expect(history.flatMap((h) => h.messages).map((m) => (m as { key: { id: string } }).key.id)).toEqual([OLD_ID]);
  });

  it('a later app-state change reaches the online client through server_sync', async () => {
    expect(await sock.signalRepository.lidMapping.getPNForLID(`${CARLA.lid}@lid`)).toBeNull();
    await wa.setAppState({ contacts: [CARLA] });
    // rc14 refetches only that collection, from the version it has (Socket/messages-recv.js:827-833)
    await waitUntil(() => wa.appState.fetches.length === 2, 5000, 'the refetch');
    expect(wa.appState.fetches[1].collections).toEqual([{ name: 'critical_unblock_low', version: 1 }]);
    let pnJid: string | null = null;
    for (let i = 0; i < 100 && !pnJid; i++) {
      pnJid = await sock.signalRepository.lidMapping.getPNForLID(`${CARLA.lid}@lid`);
      if (!pnJid) await sleep(20);
    }
    expect(pnJid).toBe(`${CARLA.phone}:0@s.whatsapp.net`);
  });

  it('a status story carries its poster\'s sender key: without shouldIgnoreJid rc14 decrypts and keeps it', async () => {
    const upserts = collect(sock, 'messages.upsert');
    const id = wa.current!.pushStatus({ from: ANA.phone, text: 'minha viagem' });
    const got = await waitUntil(() => upserts.flatMap((u) => u.messages).find((m) => m.key.id === id), 5000, 'story upsert');
    expect(got.key.remoteJid).toBe('status@broadcast');
    expect(got.message?.extendedTextMessage?.text).toBe('minha viagem');
    expect(client.store.has(`sender-key:status@broadcast::${ANA.phone}::0`)).toBe(true);
  });
});
