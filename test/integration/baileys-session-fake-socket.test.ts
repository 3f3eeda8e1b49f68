import type { TestEvent } from '../helpers/env';
import { createServer, Server } from 'node:http';
import IORedis from 'ioredis';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { AppError } from '../../src/shared/errors';
import { BaileysDriver, createBaileysDriver } from '../../src/whatsapp/baileys/baileys-driver';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import type { WhatsAppSession } from '../../src/whatsapp/types';
import { requireWaAddress as addr } from '../../src/whatsapp/address';
import { cleanupPrefix, freePort, REDIS_URL, sleep, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { fakeSocketFactory, FakeBoom } from '../helpers/fake-wa-socket';

const prefix = uniquePrefix('baileys-fake');
const keys = redisKeys(prefix);
const config = testConfig(prefix, {
  WHATSAPP_DRIVER: 'baileys',
  WA_VERSION_FETCH_TIMEOUT_MS: 0,
  WA_RECONNECT_BASE_MS: 20,
  WA_RECONNECT_MAX_MS: 80,
  WA_LOG_LEVEL: 'silent',
  WA_MESSAGE_STORE_MAX: 50,
});
let redis: IORedis;
let baileys: Baileys;
const sessions: WhatsAppSession[] = [];

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  baileys = await loadBaileys();
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.end()));
  await cleanupPrefix(prefix);
  redis.disconnect();
});

function setup(instanceId: string, opts: { pairingPhone?: string; restoring?: boolean; sinkThrowsOn?: string; config?: typeof config } = {}) {
  const fakes = fakeSocketFactory(baileys);
  const driver: BaileysDriver = createBaileysDriver({ config: opts.config ?? config, logger: silentLogger(), redis, socketFactory: fakes.factory, random: () => 0.5 });
  const events: TestEvent[] = [];
  let thrown = 0;
  const session = driver.create({ instanceId, pairingPhone: opts.pairingPhone, restoring: opts.restoring }, (e) => {
    events.push(e);
    if (opts.sinkThrowsOn === e.type && thrown++ === 0) throw new Error('sink exploded');
  });
  sessions.push(session);
  const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
  const statuses = () => of('connection.update').map((d) => d.status);
  return { fakes, driver, session, events, of, statuses };
}

/** Connects and opens a linked session (creds with me + account in Redis). */
async function linkedSession(instanceId: string, extra: Parameters<typeof setup>[1] = {}) {
  const t = setup(instanceId, extra);
  await t.session.connect();
  t.fakes.last().pairSuccess();
  await waitFor(() => t.fakes.sockets.length === 2, { what: 'reconnect after 515' });
  t.fakes.last().open();
  await waitFor(() => t.session.snapshot().status === 'connected', { what: 'connected' });
  return t;
}

const authKeyCount = async (id: string) => (await redis.keys(`${keys.prefix}:auth:${id}:*`)).length;

describe('BaileysSession driven by a fake socket', () => {
  test('QR codes, a scan (515 -> reconnect at once), open; creds persisted to Redis', async () => {
    const t = setup('qr-flow');
    await t.session.connect();
    expect(t.fakes.sockets).toHaveLength(1);
    const cfg = t.fakes.last().config;
    expect(cfg).toMatchObject({ markOnlineOnConnect: false, syncFullHistory: false, emitOwnEvents: false, waWebSocketUrl: config.WA_WEBSOCKET_URL });
    expect(cfg.shouldSyncHistoryMessage!({ syncType: baileys.proto.HistorySync.HistorySyncType.FULL } as never)).toBe(false);
    // RECENT is the one kind rc14 asks before its first-login app-state sync (Socket/chats.js:1077-1085)
    expect(cfg.shouldSyncHistoryMessage!({ syncType: baileys.proto.HistorySync.HistorySyncType.RECENT } as never)).toBe(true);
    expect(cfg.shouldSyncHistoryMessage!({ syncType: baileys.proto.HistorySync.HistorySyncType.ON_DEMAND } as never)).toBe(false);
    expect(cfg.shouldIgnoreJid!('status@broadcast')).toBe(true);
    expect(cfg.shouldIgnoreJid!('5511988887777@s.whatsapp.net')).toBe(false);

    t.fakes.last().qr('QR-ONE');
    t.fakes.last().qr('QR-TWO');
    await waitFor(() => t.of('qr.updated').length === 2, { what: 'two QRs' });
    expect(t.of('qr.updated')).toEqual([{ qr: 'QR-ONE', attempt: 1 }, { qr: 'QR-TWO', attempt: 2 }]);
    expect(t.session.snapshot()).toMatchObject({ status: 'qr', qr: 'QR-TWO' });

    t.fakes.last().pairSuccess('5511988887777:3@s.whatsapp.net');
    await waitFor(() => t.fakes.sockets.length === 2, { what: 'second socket' });
    t.fakes.last().open({ id: '5511988887777:3@s.whatsapp.net', lid: '99887766554433:3@lid', name: 'Loja' });
    await waitFor(() => t.session.snapshot().status === 'connected', { what: 'connected' });

    expect(t.statuses()).toEqual(['connecting', 'qr', 'reconnecting', 'connected']);
    const reconnecting = t.of('connection.update')[2];
    expect(reconnecting).toMatchObject({ status: 'reconnecting', previousStatus: 'qr', reason: 'restart_required', code: 515, retryInMs: 0 });
    expect(t.of('connection.update')[3]).toMatchObject({ status: 'connected', me: { id: '5511988887777@s.whatsapp.net', lid: '99887766554433@lid', name: 'Loja' } });
    expect(t.fakes.maxOpenAtOnce()).toBe(1);

    await waitFor(async () => (await t.driver.hasLinkedAuthState('qr-flow')) === true, { what: 'linked creds in Redis' });
    const stored = JSON.parse((await redis.get(keys.authCreds('qr-flow')))!);
    expect(stored.me.id).toBe('5511988887777:3@s.whatsapp.net');
  });

  test('401 logged out: auth state deleted, status logged_out, no reconnect', async () => {
    const t = await linkedSession('logged-out');
    expect(await authKeyCount('logged-out')).toBeGreaterThan(0);
    await t.fakes.last().close(401);
    await waitFor(() => t.session.snapshot().status === 'logged_out', { what: 'logged_out' });
    await sleep(150); // several backoff periods: nothing may reconnect
    expect(t.fakes.sockets).toHaveLength(2);
    expect(await authKeyCount('logged-out')).toBe(0);
    expect(await t.driver.hasLinkedAuthState('logged-out')).toBe(false);
    expect(t.of('connection.update').pop()).toMatchObject({ status: 'logged_out', previousStatus: 'connected', reason: 'logged_out', code: 401 });
    expect(t.session.snapshot().me).toBeUndefined();
  });

  test('515 on a linked session reconnects at once; a 428 drop reconnects with backoff', async () => {
    const t = await linkedSession('drops');
    await t.fakes.last().close(428, 'Connection Terminated');
    await waitFor(() => t.fakes.sockets.length === 3, { what: 'reconnect after 428' });
    expect(t.of('connection.update').pop()).toMatchObject({ status: 'reconnecting', reason: 'connection_error', code: 428 });
    t.fakes.last().open();
    await waitFor(() => t.session.snapshot().status === 'connected', { what: 'connected again' });
    expect(t.fakes.maxOpenAtOnce()).toBe(1);
  });

  /** Another client takes the session twice: one reconnect, then the loop guard stops it. */
  async function replacedTwice(t: Awaited<ReturnType<typeof linkedSession>>) {
    await t.fakes.last().close(440, 'Stream Errored (conflict)');
    await waitFor(() => t.fakes.sockets.length === 3, { what: 'one reconnect after the first 440' });
    t.fakes.last().open();
    await waitFor(() => t.session.snapshot().status === 'connected', { what: 'connected' });
    await t.fakes.last().close(440, 'Stream Errored (conflict)');
    await waitFor(() => t.session.snapshot().status === 'failed', { what: 'failed' });
  }

  test('440 repeated: failed, reported, credentials kept, no more sockets', async () => {
    const t = await linkedSession('replaced');
    await replacedTwice(t);
    await sleep(150);
    expect(t.fakes.sockets).toHaveLength(3);
    expect(t.of('connection.update').pop()).toMatchObject({ status: 'failed', reason: 'connection_replaced_loop', code: 440 });
    expect(await t.driver.hasLinkedAuthState('replaced')).toBe(true);
    expect(t.session.snapshot().lastError).toContain('connection_replaced_loop');
  });

  test('stopped by the loop guard, it tries again by itself every WA_FAILED_RETRY_MS and reconnects', async () => {
    const t = await linkedSession('failed-retry', { config: { ...config, WA_FAILED_RETRY_MS: 150 } });
    await replacedTwice(t);
    // the other client went away: the slow retry opens a new socket, which connects
    await waitFor(() => t.fakes.sockets.length === 4, { what: 'retry socket', timeoutMs: 3000 });
    expect(t.of('connection.update').pop()).toMatchObject({ status: 'reconnecting', previousStatus: 'failed', reason: 'failed_retry' });
    t.fakes.last().open();
    await waitFor(() => t.session.snapshot().status === 'connected', { what: 'connected again' });
    expect(t.statuses().slice(-3)).toEqual(['failed', 'reconnecting', 'connected']);
  });

  test('QR refs ended on an unpaired instance -> qr_expired, stopped', async () => {
    const t = setup('qr-expiry');
    await t.session.connect();
    t.fakes.last().qr('QR-A');
    await waitFor(() => t.session.snapshot().status === 'qr');
    await t.fakes.last().close(408, 'QR refs attempts ended');
    await waitFor(() => t.session.snapshot().status === 'qr_expired', { what: 'qr_expired' });
    await sleep(150);
    expect(t.fakes.sockets).toHaveLength(1);
    expect(t.session.snapshot().qr).toBeUndefined();
    expect(t.of('connection.update').pop()).toMatchObject({ status: 'qr_expired', previousStatus: 'qr', reason: 'qr_expired', code: 408 });
  });

  test('pairing code: asked once on the first QR, emitted and returned; a restart drops the half-done `me`', async () => {
    const t = setup('pairing', { pairingPhone: '5511977776666' });
    await t.session.connect();
    const code = t.session.requestPairingCode('+55 (11) 97777-6666');
    t.fakes.last().qr('QR-1');
    t.fakes.last().qr('QR-2');
    await expect(code).resolves.toBe('ABCD1234');
    await waitFor(() => t.of('qr.updated').length === 2);
    expect(t.fakes.last().pairingRequests).toEqual(['5511977776666']);
    expect(t.of('pairing.code')).toEqual([{ code: 'ABCD1234', phone: '5511977776666' }]);
    expect(t.session.snapshot().pairingCode).toBe('ABCD1234');
    // The code was not entered; the socket drops: the next one must not try to log in with that `me`.
    await t.fakes.last().close(428);
    await waitFor(() => t.fakes.sockets.length === 2, { what: 'reconnect' });
    expect(t.fakes.last().config.auth.creds.me).toBeUndefined();
  });

  test('messages.upsert: text, image, group with LID participant, undecryptable stub; our API send and protocol ignored', async () => {
    const t = await linkedSession('inbound');
    const now = Math.floor(Date.now() / 1000);
    const { proto } = baileys;
    // MINE1 went out through our API (its id is in the send ledger): an echo of it is not reported again
    await redis.set(keys.sendRecord('MINE1'), JSON.stringify({ state: 'sent', instanceId: 'inbound', at: Date.now() }));
    t.fakes.last().emit('messages.upsert', {
      type: 'notify',
      messages: [
        { key: { remoteJid: '5511911112222@s.whatsapp.net', remoteJidAlt: '11122233344455@lid', fromMe: false, id: 'IN1' }, message: proto.Message.fromObject({ conversation: 'oi, tudo bem?' }), messageTimestamp: now, pushName: 'Ana' },
        { key: { remoteJid: '5511900000000@s.whatsapp.net', fromMe: true, id: 'MINE1' }, message: { conversation: 'my own' }, messageTimestamp: now },
        {
          key: { remoteJid: '11122233344455@lid', remoteJidAlt: '5511911112222@s.whatsapp.net', fromMe: false, id: 'IN2' },
          message: proto.Message.fromObject({ imageMessage: { mimetype: 'image/jpeg', caption: 'foto', fileLength: 2048, url: 'https://mmg.whatsapp.net/x', mediaKey: Buffer.alloc(32, 1), jpegThumbnail: Buffer.alloc(500) } }),
          messageTimestamp: now,
          pushName: 'Ana',
        },
        {
          key: { remoteJid: '120363000000000001@g.us', participant: '22233344455566@lid', participantAlt: '5511933334444@s.whatsapp.net', fromMe: false, id: 'IN3' },
          message: proto.Message.fromObject({ extendedTextMessage: { text: 'no grupo', contextInfo: { stanzaId: 'Q1', mentionedJid: ['5511900000000@s.whatsapp.net'] } } }),
          messageTimestamp: now,
          pushName: 'Bia',
        },
        { key: { remoteJid: '5511955556666@s.whatsapp.net', fromMe: false, id: 'IN4' }, messageStubType: baileys.WAMessageStubType.CIPHERTEXT, messageStubParameters: ['Bad MAC'], messageTimestamp: now },
        { key: { remoteJid: '5511955556666@s.whatsapp.net', fromMe: false, id: 'IN5' }, message: { protocolMessage: { type: 0 } }, messageTimestamp: now },
      ],
    });
    await waitFor(() => t.of('message.received').length === 3 && t.of('message.undecryptable').length === 1, { what: 'inbound events' });
    await sleep(50);
    const received = t.of('message.received');
    expect(received.map((d) => d.messageId)).toEqual(['IN1', 'IN2', 'IN3']);
    expect(received[0]).toEqual({
      messageId: 'IN1', chatId: '5511911112222@s.whatsapp.net', isGroup: false, fromMe: false, from: '5511911112222', fromJid: '5511911112222@s.whatsapp.net',
      fromLid: '11122233344455@lid', lid: '11122233344455@lid', participant: null, participantLid: null, pushName: 'Ana', timestamp: now, type: 'text', contentType: 'conversation',
      text: 'oi, tudo bem?', media: null, location: null, contact: null, reaction: null, quotedId: null, mentions: [], offline: false,
    });
    expect(received[1]).toMatchObject({
      chatId: '5511911112222@s.whatsapp.net', from: '5511911112222', fromLid: '11122233344455@lid', type: 'image', text: 'foto',
      media: { mimetype: 'image/jpeg', size: 2048, caption: 'foto', fileName: null, seconds: null, ptt: null, downloadPath: '/instance/inbound/media/IN2' },
    });
    expect(received[2]).toMatchObject({
      chatId: '120363000000000001@g.us', isGroup: true, from: '5511933334444', fromJid: '5511933334444@s.whatsapp.net', fromLid: '22233344455566@lid',
      participant: '5511933334444@s.whatsapp.net', participantLid: '22233344455566@lid', pushName: 'Bia', type: 'text', text: 'no grupo', quotedId: 'Q1',
      mentions: ['5511900000000@s.whatsapp.net'],
    });
    expect(t.of('message.undecryptable')).toEqual([
      expect.objectContaining({ messageId: 'IN4', chatId: '5511955556666@s.whatsapp.net', from: '5511955556666', error: 'Bad MAC', offline: false }),
    ]);
    // an 'append' batch (queued while offline) is delivered too, marked offline
    t.fakes.last().emit('messages.upsert', { type: 'append', messages: [{ key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id: 'OFF1' }, message: { conversation: 'enquanto offline' }, messageTimestamp: now }] });
    await waitFor(() => t.of('message.received').some((d) => d.messageId === 'OFF1' && d.offline === true), { what: 'offline message' });
  });

  test('messages.update and message-receipt.update -> message.status', async () => {
    const t = await linkedSession('receipts');
    const S = baileys.WAMessageStatus;
    t.fakes.last().emit('messages.update', [
      { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: true, id: '3EB0AAA' }, update: { status: S.DELIVERY_ACK, messageTimestamp: 1700000000 } },
      { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: true, id: '3EB0AAA' }, update: { status: S.READ } },
      { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: true, id: '3EB0BBB' }, update: { status: S.ERROR, messageStubParameters: ['463'] } },
      { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id: 'THEIRS' }, update: { status: S.READ } },
      { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: true, id: '3EB0CCC' }, update: { message: null } },
    ]);
    t.fakes.last().emit('message-receipt.update', [
      { key: { remoteJid: '120363000000000001@g.us', fromMe: true, id: '3EB0DDD' }, receipt: { userJid: '5511933334444@s.whatsapp.net', readTimestamp: 1700000100 } },
    ]);
    await waitFor(() => t.of('message.status').length === 4, { what: 'statuses' });
    await sleep(50);
    expect(t.of('message.status')).toEqual([
      { messageId: '3EB0AAA', waMessageId: '3EB0AAA', chatId: '5511911112222@s.whatsapp.net', lid: null, fromMe: true, status: 'delivered', participant: null, timestamp: 1700000000, error: null },
      expect.objectContaining({ messageId: '3EB0AAA', status: 'read' }),
      expect.objectContaining({ messageId: '3EB0BBB', status: 'error', error: '463' }),
      expect.objectContaining({ messageId: '3EB0DDD', chatId: '120363000000000001@g.us', status: 'read', participant: '5511933334444@s.whatsapp.net', timestamp: 1700000100 }),
    ]);
  });

  test('send: the caller id is the WhatsApp id; content mapping; errors classified', async () => {
    const t = await linkedSession('sender');
    const fake = t.fakes.last();
    const r = await t.session.send(addr('+55 11 91111-2222'), { type: 'text', text: 'Olá https://exemplo.com', mentions: ['5511933334444'] }, '3EB0TEXT000000000001');
    expect(r).toMatchObject({ waMessageId: '3EB0TEXT000000000001', jid: '5511911112222@s.whatsapp.net' });
    expect(fake.sent[0]).toMatchObject({ jid: '5511911112222@s.whatsapp.net', content: { text: 'Olá https://exemplo.com', linkPreview: null, mentions: ['5511933334444@s.whatsapp.net'] }, options: { messageId: '3EB0TEXT000000000001' } });
    await t.session.send(addr('5511911112222'), { type: 'text', text: 'com preview', linkPreview: true, quotedId: '3EB0TEXT000000000001' }, '3EB0TEXT000000000002');
    // asked for, but the text has no link: no preview, and never undefined (Baileys would fetch by itself)
    expect(fake.sent[1].content.linkPreview).toBeNull();
    expect((fake.sent[1].options.quoted as { key: { id: string } }).key.id).toBe('3EB0TEXT000000000001');
    await t.session.send(addr('5511911112222'), { type: 'contact', displayName: 'Suporte', phone: '+55 11 4000-0000' }, '3EB0CONTACT000000001');
    expect((fake.sent[2].content.contacts as { contacts: Array<{ vcard: string }> }).contacts[0].vcard).toContain('TEL;type=CELL;type=VOICE;waid=551140000000:+551140000000');
    await t.session.send(addr('120363000000000001@g.us'), { type: 'reaction', emoji: '👍', targetId: 'IN3', targetParticipant: '5511933334444' }, '3EB0REACT00000000001');
    expect(fake.sent[3].content).toEqual({ react: { text: '👍', key: { remoteJid: '120363000000000001@g.us', id: 'IN3', fromMe: false, participant: '5511933334444@s.whatsapp.net' } } });
    await t.session.send(addr('5511911112222'), { type: 'location', latitude: -23.5, longitude: -46.6, name: 'Loja' }, '3EB0LOC0000000000001');
    expect(fake.sent[4].content).toEqual({ location: { degreesLatitude: -23.5, degreesLongitude: -46.6, name: 'Loja', address: undefined } });

    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as AppError).code;
    expect(await code(t.session.send(addr('5511911112222'), { type: 'document', url: 'file:///etc/passwd' }, '3EB0DOC0000000000001'))).toBe('bad_request');
    expect(await code(t.session.send(addr('5511911112222'), { type: 'image', url: '/etc/passwd' }, '3EB0DOC0000000000002'))).toBe('bad_request');
    // sessions take parsed addresses: a bad recipient is refused at the edge, before any session
    expect(() => addr('abc')).toThrow(expect.objectContaining({ code: 'invalid_recipient' }));
    fake.failSendsWith(new FakeBoom('rate-overlimit', 500, 429));
    const limited = (await t.session.send(addr('5511911112222'), { type: 'text', text: 'x' }, '3EB0RATE000000000001').catch((e: unknown) => e)) as AppError & { retryAfterMs?: number };
    expect(limited).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    fake.failSendsWith(new FakeBoom('Timed Out', 408));
    expect(await code(t.session.send(addr('5511911112222'), { type: 'text', text: 'x' }, '3EB0TIME000000000001'))).toBe('transient');
    fake.failSendsWith(undefined);
    expect(fake.sent).toHaveLength(5); // none of the refused ones reached the socket

    await t.fakes.last().close(428);
    await waitFor(() => t.session.snapshot().status === 'reconnecting');
    expect(await code(t.session.send(addr('5511911112222'), { type: 'text', text: 'x' }, '3EB0DOWN000000000001'))).toBe('instance_not_connected');
  });

  test('media: fetched over http with the caller id; incoming media downloadable by message id', async () => {
    const payload = Buffer.from('%PDF-1.4 pretend this is a pdf');
    const enc = await baileys.encryptedStream(Buffer.from('incoming image bytes'), 'image', {});
    const encBytes = await import('node:fs/promises').then((fs) => fs.readFile(enc.encFilePath));
    const port = await freePort();
    const server: Server = createServer((req, res) => {
      if (req.url === '/doc.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(payload);
      if (req.url === '/enc') return res.writeHead(200).end(encBytes);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const t = await linkedSession('media');
      await t.session.send(addr('5511911112222'), { type: 'document', url: `http://127.0.0.1:${port}/doc.pdf`, caption: 'contrato' }, '3EB0MEDIA00000000001');
      const sent = t.fakes.last().sent[0];
      expect(sent.media?.equals(payload)).toBe(true);
      expect(sent.content).toMatchObject({ mimetype: 'application/pdf', fileName: 'doc.pdf', caption: 'contrato' });
      expect(sent.options.messageId).toBe('3EB0MEDIA00000000001');
      const missing = await t.session.send(addr('5511911112222'), { type: 'image', url: `http://127.0.0.1:${port}/nope.jpg` }, '3EB0MEDIA00000000002').catch((e: AppError) => e);
      expect(missing).toMatchObject({ code: 'bad_request' });

      t.fakes.last().emit('messages.upsert', {
        type: 'notify',
        messages: [{ key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id: 'IMG1' }, message: { imageMessage: { url: `http://127.0.0.1:${port}/enc`, mediaKey: enc.mediaKey, mimetype: 'image/png', fileLength: enc.fileLength } }, messageTimestamp: 1700000000 }],
      });
      await waitFor(() => t.of('message.received').length === 1);
      const media = await t.session.downloadMedia('IMG1');
      const chunks: Buffer[] = [];
      for await (const c of media.stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString()).toBe('incoming image bytes');
      expect(media.mimetype).toBe('image/png');
      await expect(t.session.downloadMedia('UNKNOWN1')).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      server.close();
    }
  });

  test('markRead, presence, logout (sock.logout, then auth deleted)', async () => {
    const t = await linkedSession('actions');
    await t.session.markRead([{ chat: addr('5511911112222'), messageId: 'IN1' }, { chat: addr('120363000000000001@g.us'), messageId: 'IN3', participant: addr('5511933334444') }]);
    expect(t.fakes.last().reads).toEqual([
      { remoteJid: '5511911112222@s.whatsapp.net', id: 'IN1', fromMe: false },
      { remoteJid: '120363000000000001@g.us', id: 'IN3', fromMe: false, participant: '5511933334444@s.whatsapp.net' },
    ]);
    await t.session.sendPresence({ to: addr('5511911112222'), state: 'composing' });
    expect(t.fakes.last().presences).toEqual([{ type: 'composing', jid: '5511911112222@s.whatsapp.net' }]);
    const fake = t.fakes.last();
    await t.session.logout();
    expect(fake.state.loggedOut).toBe(true);
    expect(t.session.snapshot().status).toBe('logged_out');
    expect(await authKeyCount('actions')).toBe(0);
    expect(t.statuses().filter((s) => s === 'disconnected')).toEqual([]);
  });

  test('a throwing sink or handler never crashes the session; events stay in order', async () => {
    const t = await linkedSession('throwing', { sinkThrowsOn: 'message.received' });
    const msg = (id: string) => ({ key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id }, message: { conversation: id }, messageTimestamp: 1700000000 });
    t.fakes.last().emit('messages.upsert', { type: 'notify', messages: [msg('T1')] });
    const poisoned = { key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id: 'BOOM' }, message: { get ephemeralMessage(): never { throw new Error('handler exploded'); } } };
    t.fakes.last().emit('messages.upsert', { type: 'notify', messages: [{ key: null }, poisoned, msg('T2')] }); // malformed / throwing entries
    t.fakes.last().emit('messages.upsert', { type: 'notify', messages: [msg('T3')] });
    await waitFor(() => t.of('message.received').length === 3, { what: 'all three recorded' });
    expect(t.of('message.received').map((d) => d.messageId)).toEqual(['T1', 'T2', 'T3']);
    expect(t.session.snapshot().status).toBe('connected');
    await t.session.send(addr('5511911112222'), { type: 'text', text: 'still fine' }, '3EB0STILL00000000001');
  });

  test('never two sockets: concurrent connects, end() closes without reconnecting, a second session takes over', async () => {
    const t = setup('single');
    await Promise.all([t.session.connect(), t.session.connect(), t.session.connect()]);
    expect(t.fakes.sockets).toHaveLength(1);
    t.fakes.last().open();
    await waitFor(() => t.session.snapshot().status === 'connected');
    await t.session.end();
    expect(t.session.snapshot().status).toBe('disconnected');
    expect(t.fakes.open()).toHaveLength(0);
    await sleep(100);
    expect(t.fakes.sockets).toHaveLength(1);

    // A second session object for the same instance on the same driver (e.g. a restart that forgot
    // to end the first): the first one's socket is ended before the second socket exists.
    const first = t.driver.create({ instanceId: 'single-2' }, () => undefined);
    const second = t.driver.create({ instanceId: 'single-2' }, () => undefined);
    sessions.push(first, second);
    await first.connect();
    await second.connect();
    expect(t.fakes.sockets).toHaveLength(3);
    expect(t.fakes.open()).toHaveLength(1);
    expect(t.fakes.maxOpenAtOnce()).toBe(1);
    expect(t.driver.socketCount()).toBe(1);
  });

  test('restoring an instance without linked credentials does not open a socket', async () => {
    const t = setup('restore-unlinked', { restoring: true });
    await t.session.connect();
    expect(t.fakes.sockets).toHaveLength(0);
    expect(t.session.snapshot().status).toBe('qr_expired');
  });
});
