/**
 * The first login's history and app-state sync, and the chats the daemon never decrypts, end to
 * end: the real processes with the real Baileys driver against the stand-in, whose phone sends the
 * new companion its app-state key and bootstrap history (test/harness/fake-wa/history-sync.mjs)
 * and answers the app-state fetch with our push name and a contact (app-state.mjs).
 * What is under test: src/whatsapp/baileys/socket-config.ts (history kinds that let rc14 run its
 * initial app-state sync; shouldIgnoreJid from WA_IGNORE_JIDS, ignore-jids.ts) and connection.ts
 * (the push name reaching the instance view).
 */
import IORedis from 'ioredis';
import { REDIS_URL, waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';
import { redisKeys } from '../../src/shared/keys';

jest.setTimeout(120_000);

const ID = 'appstate-1';
const ID2 = 'appstate-2';
const ANA = { phone: '5511955554444', lid: '204000000000044', name: 'Ana Souza' };
const HISTORY_ID = '3EB0HISTORY00000000001';
const stack = new BaileysStack('standin-app-state', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });
const redis = new IORedis(REDIS_URL);

beforeAll(async () => {
  await stack.start({
    phone: '5511900000003',
    history: {
      pushName: 'Loja Teste',
      contacts: [ANA],
      conversations: [{ with: '5511933332222', name: 'Bruno', messages: [{ id: HISTORY_ID, text: 'mensagem de ontem' }] }],
    },
  });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  redis.disconnect();
  await stack.stop();
});

const status = async () => (await stack.call('GET', `/instance/${ID}/status`)).body;

describe('first login: history and app-state sync', () => {
  it('loads our push name from the app state: the instance view shows it and WhatsApp gets it with our presence', async () => {
    const view = await waitFor(async () => ((await status()).instance?.me?.name ? status() : undefined), { timeoutMs: 30_000, what: 'me.name in the instance view' });
    expect(view.instance.me).toMatchObject({ id: '5511900000003@s.whatsapp.net', name: 'Loja Teste' });
    // the app-state fetch asked every collection from scratch (Socket/chats.js:993-1004)
    expect(stack.wa.appState.fetches[0]?.collections.map((c) => c.name).sort()).toEqual(['critical_block', 'critical_unblock_low', 'regular', 'regular_high', 'regular_low']);
    // rc14 announces a new push name with <presence name> (Socket/socket.js:843-853); without one it
    // sends no available/unavailable presence at all (Socket/chats.js:603-610)
    const login = stack.wa.current!;
    await waitFor(() => login.received.find((n) => n.tag === 'presence' && n.attrs.name === 'Loja Teste'), { what: '<presence name>' });
    // the account's creds in Redis keep it for the next restart
    const creds = JSON.parse((await redis.get(redisKeys(stack.prefix).authCreds(ID))) ?? '{}');
    expect(creds.me?.name).toBe('Loja Teste');
    expect(creds.accountSyncCounter).toBeGreaterThanOrEqual(1);
  });

  it('a contact from the address book writes from its LID with its number hidden: the event names its phone', async () => {
    const login = stack.wa.current!;
    const inId = login.pushMessage({ from: ANA.phone, via: 'lid', hidePn: true, text: 'oi, é a Ana' });
    const received = await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === inId, 'Ana from her LID');
    // nothing in the stanza says her number: only the app state's contact (lidJid) mapped it
    expect(received.data).toMatchObject({ from: ANA.phone, fromLid: `${ANA.lid}@lid`, text: 'oi, é a Ana' });
    const mapping = await redis.hget(redisKeys(stack.prefix).authKeys(ID, 'lid-mapping'), `${ANA.lid}_reverse`);
    expect(mapping).toContain(ANA.phone);
  });

  it('the bootstrap history is not replayed as received messages', async () => {
    const login = stack.wa.current!;
    const liveId = login.pushMessage({ from: '5511933332222', text: 'mensagem de hoje' });
    await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === liveId, 'the live message');
    expect(stack.delivered('/messages').filter((e) => e.data?.messageId === HISTORY_ID)).toEqual([]);
  });
});

describe('status stories and channel posts (WA_IGNORE_JIDS default status,newsletter)', () => {
  it('are refused before decryption: no event, no sender key kept; a normal message still passes', async () => {
    const login = stack.wa.current!;
    const storyId = login.pushStatus({ from: ANA.phone, text: 'minha viagem' });
    const postId = login.pushNewsletter({ text: 'promoção do canal' });
    const okId = login.pushMessage({ from: ANA.phone, text: 'depois da story' });
    await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === okId, 'the normal message');
    // rc14 nacks an ignored chat's message with 500 before touching it (Socket/messages-recv.js:1599-1601)
    for (const id of [storyId, postId]) {
      const ack = await waitFor(() => login.received.find((n) => n.tag === 'ack' && n.attrs.id === id), { what: `ack of ${id}` });
      expect(ack.attrs.error).toBe('500');
    }
    expect(stack.delivered('/messages').filter((e) => [storyId, postId].includes(e.data?.messageId))).toEqual([]);
    // the story carried its poster's sender key: decrypting it would have stored it
    const senderKeys = await redis.hkeys(redisKeys(stack.prefix).authKeys(ID, 'sender-key'));
    expect(senderKeys.filter((k) => k.startsWith('status@broadcast'))).toEqual([]);
  });
});

describe('a device whose history never arrived', () => {
  it('still gets the app state once rc14 stops waiting for it (app-state-catch-up.ts)', async () => {
    // the phone shares the app-state key but its history notification never reaches the companion:
    // rc14 waits 20 s, goes online and counts the device as synced without any app-state sync
    stack.wa.history = { ...(stack.wa.history || {}), bootstrap: false };
    stack.wa.phone = '5511900000005';
    const fetchesBefore = stack.wa.appState.fetches.length;
    await stack.linkInstance(ID2, 3);
    const view = await waitFor(async () => ((await stack.call('GET', `/instance/${ID2}/status`)).body.instance?.me?.name ? (await stack.call('GET', `/instance/${ID2}/status`)).body : undefined), {
      timeoutMs: 60_000,
      what: `${ID2} me.name after the 20 s wait`,
    });
    expect(view.instance.me).toMatchObject({ id: '5511900000005@s.whatsapp.net', name: 'Loja Teste' });
    const login = stack.wa.current!;
    expect((await login.historySync)?.map((m) => Object.keys((m.message.protocolMessage as Record<string, unknown>) ?? {}))).toEqual([['type', 'appStateSyncKeyShare']]);
    expect(stack.wa.appState.fetches.slice(fetchesBefore).map((f) => f.connection)).toEqual([login.index]);
    const creds = JSON.parse((await redis.get(redisKeys(stack.prefix).authCreds(ID2))) ?? '{}');
    expect(creds.me?.name).toBe('Loja Teste');
    expect(await redis.hget(redisKeys(stack.prefix).authKeys(ID2, 'lid-mapping'), `${ANA.lid}_reverse`)).toContain(ANA.phone);
  });
});
