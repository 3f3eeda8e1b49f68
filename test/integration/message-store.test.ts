import IORedis from 'ioredis';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { redisKeys } from '../../src/shared/keys';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { MessageStore, MessageStoreOptions } from '../../src/whatsapp/baileys/message-store';
import { removeAuthState } from '../../src/whatsapp/baileys/redis-auth-store';
import { JidAlias, quotableMessage, resendContent } from '../../src/whatsapp/baileys/stored-chat';
import { buildOutbound, OutboundContext } from '../../src/whatsapp/baileys/outbound';
import { cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';

const prefix = uniquePrefix('msg-store');
const keys = redisKeys(prefix);
const HOUR = 3_600_000;
const PN = '5511911112222@s.whatsapp.net';
const LID = '99887766554433@lid';
const ME = '5511900000000@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';
let redis: IORedis;
let baileys: Baileys;
const warnings: string[] = [];
const logger = { warn: (m: string) => warnings.push(m) };

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  baileys = await loadBaileys();
});

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

function storeFor(instanceId: string, extra: Partial<MessageStoreOptions> = {}): MessageStore {
  return new MessageStore(baileys, redis, keys, instanceId, { max: 100, windowMs: 168 * HOUR, logger, ...extra });
}

/** What sock.sendMessage returns for a text with a quote, mentions and a disappearing timer (lib/Utils/messages.js generateWAMessage). */
async function sentText(id: string, jid = PN): Promise<WAMessage> {
  const quoted = { key: { remoteJid: jid, id: 'THEIRS1', fromMe: false }, message: { conversation: 'the quoted text' } } as WAMessage;
  return baileys.generateWAMessage(jid, { text: 'hello @5511933334444', mentions: ['5511933334444@s.whatsapp.net'] }, { userJid: ME, messageId: id, quoted, ephemeralExpiration: 604800, upload: undefined as never });
}

/** An inbound 1:1 message as Baileys 7 decodes it: filed under the LID, the phone JID in remoteJidAlt (lib/Utils/decode-wa-message.js:180). */
function inboundFromLid(id: string, text: string): WAMessage {
  return {
    key: { remoteJid: LID, remoteJidAlt: PN, fromMe: false, id, addressingMode: 'lid' },
    message: baileys.proto.Message.fromObject({ extendedTextMessage: { text }, messageContextInfo: { messageSecret: Buffer.alloc(32, 7) } }),
    messageTimestamp: 1700000000,
    pushName: 'Ana',
  } as WAMessage;
}

const encoded = (m: WAMessage) => Buffer.from(baileys.proto.Message.encode(baileys.proto.Message.fromObject(m.message as object)).finish());

describe('MessageStore (real Redis)', () => {
  test('a sent message comes back whole from another store (a restart): Buffers, quote, mentions, expiry', async () => {
    const sent = await sentText('3EB0STORE00000000001');
    await storeFor('rt').remember(sent);
    const back = await storeFor('rt').get('3EB0STORE00000000001');
    expect(back).toBeDefined();
    const ctx = back!.message!.extendedTextMessage!.contextInfo!;
    expect(ctx.mentionedJid).toEqual(['5511933334444@s.whatsapp.net']);
    expect(ctx.expiration).toBe(604800);
    expect(ctx.stanzaId).toBe('THEIRS1');
    expect(ctx.quotedMessage?.conversation).toBe('the quoted text');
    const secret = back!.message!.messageContextInfo?.messageSecret;
    expect(Buffer.isBuffer(secret)).toBe(true);
    expect(Buffer.from(secret!).equals(Buffer.from(sent.message!.messageContextInfo!.messageSecret!))).toBe(true);
    // byte for byte the protobuf Baileys would relay again
    expect(encoded(back!).equals(encoded(sent))).toBe(true);
    expect(back!.key).toMatchObject({ remoteJid: PN, fromMe: true, id: '3EB0STORE00000000001' });
  });

  test('media keys, thumbnail and a long fileLength survive; Baileys-7 key fields (remoteJidAlt) are kept', async () => {
    const image = {
      key: { remoteJid: LID, remoteJidAlt: PN, fromMe: false, id: 'IMGSTORE1' },
      message: baileys.proto.Message.fromObject({
        imageMessage: { url: 'https://mmg.whatsapp.net/x', directPath: '/v/t62/x', mediaKey: Buffer.alloc(32, 1), fileSha256: Buffer.alloc(32, 2), jpegThumbnail: Buffer.alloc(900, 3), fileLength: 5_000_000_000, mimetype: 'image/jpeg', caption: 'foto' },
      }),
      messageTimestamp: 1700000000,
    } as unknown as WAMessage;
    await storeFor('media').remember(image);
    const back = (await storeFor('media').get('IMGSTORE1'))!;
    const img = back.message!.imageMessage!;
    expect(Buffer.isBuffer(img.mediaKey) && Buffer.from(img.mediaKey!).equals(Buffer.alloc(32, 1))).toBe(true);
    expect(Buffer.from(img.jpegThumbnail!).equals(Buffer.alloc(900, 3))).toBe(true);
    expect(Number(baileys.toNumber(img.fileLength as number))).toBe(5_000_000_000);
    expect(img.caption).toBe('foto');
    expect(back.key).toEqual({ remoteJid: LID, remoteJidAlt: PN, fromMe: false, id: 'IMGSTORE1' });
    expect(encoded(back).equals(encoded(image))).toBe(true);
  });

  test('the window: older messages are not answered, are trimmed by the next write, and the keys expire', async () => {
    let now = 1_800_000_000_000;
    const store = storeFor('window', { windowMs: 2 * HOUR, now: () => now });
    await store.remember(inboundFromLid('OLD1', 'old'));
    now += HOUR;
    await store.remember(inboundFromLid('MID1', 'mid'));
    expect((await store.get('OLD1'))?.message?.extendedTextMessage?.text).toBe('old');
    now += HOUR + 1; // OLD1 is now 2 h + 1 ms old
    expect(await store.get('OLD1')).toBeUndefined();
    expect((await store.get('MID1'))?.message?.extendedTextMessage?.text).toBe('mid');
    await store.remember(inboundFromLid('NEW1', 'new'));
    expect(await redis.hkeys(keys.messageStoreData('window'))).toEqual(expect.arrayContaining(['MID1', 'NEW1']));
    expect(await redis.hexists(keys.messageStoreData('window'), 'OLD1')).toBe(0);
    expect(await redis.zcard(keys.messageStoreIndex('window'))).toBe(2);
    for (const k of [keys.messageStoreData('window'), keys.messageStoreIndex('window')]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(HOUR);
      expect(ttl).toBeLessThanOrEqual(2 * HOUR);
    }
  });

  test('the bound: only the newest WA_MESSAGE_STORE_MAX per instance; other instances untouched', async () => {
    let now = 1_800_000_000_000;
    const store = storeFor('bound', { max: 3, now: () => now++ });
    const other = storeFor('bound-other', { max: 3 });
    await other.remember(inboundFromLid('OTHER1', 'other'));
    for (let i = 1; i <= 5; i++) await store.remember(inboundFromLid(`B${i}`, `n${i}`));
    expect(await store.get('B1')).toBeUndefined();
    expect(await store.get('B2')).toBeUndefined();
    expect((await Promise.all(['B3', 'B4', 'B5'].map((id) => store.get(id)))).map((m) => m?.message?.extendedTextMessage?.text)).toEqual(['n3', 'n4', 'n5']);
    expect(await redis.hlen(keys.messageStoreData('bound'))).toBe(3);
    expect(await redis.zcard(keys.messageStoreIndex('bound'))).toBe(3);
    expect((await other.get('OTHER1'))?.message?.extendedTextMessage?.text).toBe('other');
    const none = storeFor('bound-none', { max: 0 });
    await none.remember(inboundFromLid('Z1', 'z'));
    expect(await redis.exists(keys.messageStoreData('bound-none'))).toBe(0);
  });

  test('deleting or logging out an instance (removeAuthState) deletes its store, not another one', async () => {
    await storeFor('gone').remember(inboundFromLid('G1', 'g'));
    await storeFor('stays').remember(inboundFromLid('S1', 's'));
    expect(await redis.exists(keys.messageStoreData('gone'), keys.messageStoreIndex('gone'))).toBe(2);
    await removeAuthState(redis, keys, 'gone');
    expect(await redis.exists(keys.messageStoreData('gone'), keys.messageStoreIndex('gone'))).toBe(0);
    expect(await storeFor('gone').get('G1')).toBeUndefined();
    expect(await storeFor('stays').get('S1')).toBeDefined();
  });

  test('a Redis that is gone fails neither remember nor get (the send or event still goes on)', async () => {
    const dead = new IORedis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const store = new MessageStore(baileys, dead, keys, 'dead', { max: 10, windowMs: HOUR, logger });
    warnings.length = 0;
    await expect(store.remember(inboundFromLid('D1', 'd'))).resolves.toBeUndefined();
    await expect(store.get('D1')).resolves.toBeUndefined();
    expect(warnings).toEqual(['message store write failed', 'message store read failed']);
    dead.disconnect();
  });
});

describe('resends and quotes from the store', () => {
  // the socket's LID<->PN mapping (lib/Signal/lid-mapping.js) as the session passes it
  const alias: JidAlias = async (jid) => (jid === PN ? LID : jid === LID ? PN : null);
  // a plain text send (no link preview) uses neither media nor the extras
  const sendTo = (jid: string, store: MessageStore): OutboundContext => ({
    jid,
    media: { timeoutMs: 1000, maxBytes: 1000 },
    extra: {} as OutboundContext['extra'],
    quoted: (id) => quotableMessage(baileys, store, id, jid, alias),
  });

  test('getMessage: answered for the chat by PN, LID or a device JID; refused to another chat', async () => {
    const store = storeFor('resend');
    const sent = await sentText('3EB0RESEND0000000001', LID); // went to the LID (chatJidFor)
    await store.remember(sent);
    for (const remoteJid of [LID, '99887766554433:3@lid', PN, '5511911112222:2@s.whatsapp.net']) {
      const content = await resendContent(baileys, store, { remoteJid, id: '3EB0RESEND0000000001', fromMe: true }, alias);
      expect(content?.extendedTextMessage?.text).toBe('hello @5511933334444');
      expect(content?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual(['5511933334444@s.whatsapp.net']);
    }
    expect(await resendContent(baileys, store, { remoteJid: '5511977778888@s.whatsapp.net', id: '3EB0RESEND0000000001', fromMe: true }, alias)).toBeUndefined();
    // without a mapping the phone JID is not known to be the same chat
    expect(await resendContent(baileys, store, { remoteJid: PN, id: '3EB0RESEND0000000001', fromMe: true })).toBeUndefined();
    expect(await resendContent(baileys, store, { remoteJid: LID, id: 'NOT-STORED', fromMe: true }, alias)).toBeUndefined();
  });

  test('quoting an inbound 1:1 message stored under the LID in a send to the phone keeps its text and author', async () => {
    const store = storeFor('quote');
    await store.remember(inboundFromLid('INLID1', 'pedido 123 chegou?'));
    const out = await buildOutbound({ type: 'text', text: 'chegou sim', quotedId: 'INLID1' }, sendTo(PN, store));
    // what Baileys builds from it (lib/Utils/messages.js generateWAMessageFromContent)
    const msg = await baileys.generateWAMessage(PN, out.content, { ...out.options, userJid: ME, upload: undefined as never });
    const ctx = msg.message!.extendedTextMessage!.contextInfo!;
    expect(ctx.quotedMessage?.extendedTextMessage?.text).toBe('pedido 123 chegou?');
    expect(ctx.stanzaId).toBe('INLID1');
    expect(ctx.participant).toBe(PN); // the contact, in the chat's own address
    expect(ctx.remoteJid ?? undefined).toBeUndefined(); // not "from another chat"

    // the reverse: stored under the phone, sent to the LID
    await store.remember({ key: { remoteJid: PN, fromMe: false, id: 'INPN1' }, message: { conversation: 'oi' } } as WAMessage);
    const q = (await quotableMessage(baileys, store, 'INPN1', LID, alias))!;
    const back = await baileys.generateWAMessage(LID, { text: 'olá' }, { quoted: q, userJid: ME, upload: undefined as never });
    expect(back.message!.extendedTextMessage!.contextInfo).toMatchObject({ participant: LID, stanzaId: 'INPN1', quotedMessage: { conversation: 'oi' } });
    expect(back.message!.extendedTextMessage!.contextInfo!.remoteJid ?? undefined).toBeUndefined();

    // another chat's message is not quoted with its text (id only, as before)
    await store.remember({ key: { remoteJid: '5511977778888@s.whatsapp.net', fromMe: false, id: 'ELSEWHERE' }, message: { conversation: 'secret' } } as WAMessage);
    const stub = await buildOutbound({ type: 'text', text: 'x', quotedId: 'ELSEWHERE' }, sendTo(PN, store));
    expect(stub.options.quoted?.message).toEqual({ conversation: '' });
  });

  test('a group message quote keeps its participant (the author)', async () => {
    const store = storeFor('quote-group');
    const author = '22233344455566@lid';
    await store.remember({ key: { remoteJid: GROUP, participant: author, participantAlt: '5511933334444@s.whatsapp.net', fromMe: false, id: 'INGRP1' }, message: { conversation: 'no grupo' } } as WAMessage);
    const q = (await quotableMessage(baileys, store, 'INGRP1', GROUP, alias))!;
    const msg = await baileys.generateWAMessage(GROUP, { text: 'respondendo' }, { quoted: q, userJid: ME, upload: undefined as never });
    expect(msg.message!.extendedTextMessage!.contextInfo).toMatchObject({ participant: author, stanzaId: 'INGRP1', quotedMessage: { conversation: 'no grupo' } });
    // a group message is quoted in its group only
    expect(await quotableMessage(baileys, store, 'INGRP1', PN, alias)).toBeUndefined();
  });
});

describe('configuration', () => {
  test('defaults 5000 messages for 168 hours; a bad value stops the process naming it', () => {
    expect(loadConfig({})).toMatchObject({ WA_MESSAGE_STORE_MAX: 5000, WA_MESSAGE_STORE_TTL_HOURS: 168 });
    expect(loadConfig({ WA_MESSAGE_STORE_MAX: '0', WA_MESSAGE_STORE_TTL_HOURS: '1.5' })).toMatchObject({ WA_MESSAGE_STORE_MAX: 0, WA_MESSAGE_STORE_TTL_HOURS: 1.5 });
    for (const [name, value] of [['WA_MESSAGE_STORE_MAX', '-1'], ['WA_MESSAGE_STORE_MAX', 'many'], ['WA_MESSAGE_STORE_TTL_HOURS', '0'], ['WA_MESSAGE_STORE_TTL_HOURS', '10000']]) {
      const err = (() => {
        try {
          loadConfig({ [name]: value });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
    }
  });
});
