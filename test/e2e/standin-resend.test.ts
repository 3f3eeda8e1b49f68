/**
 * Resends end to end: the real processes with the real Baileys driver against the stand-in, whose
 * contact devices decrypt what the client sends (Signal, test/harness/fake-wa/signal.mjs) and ask
 * for a resend the way a device that could not decrypt does (a retry receipt:
 * Socket/messages-recv.js sendRetryRequest). Baileys answers a retry from its in-memory retry cache
 * first and from getMessage after that (messages-recv.js sendMessagesAgain); after a restart the
 * cache is empty, so the original can only come from the message store in Redis
 * (src/whatsapp/baileys/message-store.ts) - before it, the contact kept "Waiting for this message".
 */
import IORedis from 'ioredis';
import { redisKeys } from '../../src/shared/keys';
import { REDIS_URL, waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';

jest.setTimeout(180_000);

const ID = 'resend-1';
const CONTACT = '5511955554444';
const CONTACT_LID = '204000000000055';
const OTHER = '5511944443333';
const MEMBER = '5511933332222';
const MEMBER_LID = '204000000000066';
const GROUP = '120363000000000055@g.us';
const stack = new BaileysStack('standin-resend', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });

beforeAll(async () => {
  await stack.start({ phone: '5511900000005', preKeyCount: 50 });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

const status = async () => (await stack.call('GET', `/instance/${ID}/status`)).body.status;
type Sent = Awaited<ReturnType<BaileysStack['wa']['waitForOutgoing']>>;
/** what the first story sent, asked for again in the second */
let out: Sent;
let gOut: Sent;
let chat: string;

describe('resends from the message store against the stand-in', () => {
  it('quotes keep the quoted text and author: an inbound stored under the LID or the PN, a group member', async () => {
    stack.wa.addContact(CONTACT, { lid: CONTACT_LID, devices: [0, 1] });
    stack.wa.addContact(OTHER);
    // the contact writes from its LID: Baileys files the message under the LID
    const inId = stack.wa.current!.pushMessage({ from: CONTACT, via: 'lid', text: 'qual o prazo de entrega?' });
    const received = await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === inId, 'inbound from the LID');
    expect(received.data.chatId).toBe(`${CONTACT}@s.whatsapp.net`);

    // the CRM answers by phone, quoting it, with a mention
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: CONTACT, message: 'Chega amanhã. @5511933334444 confirma?', quotedId: inId, mentions: ['5511933334444'] });
    expect(res.status).toBe(202);
    out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    const original = out.message?.extendedTextMessage;
    expect(original?.text).toBe('Chega amanhã. @5511933334444 confirma?');
    // the quote carries the quoted text and its author: the contact, in the address the chat uses
    chat = out.to.replace(/:\d+@/, '@');
    expect(original?.contextInfo).toMatchObject({ stanzaId: inId, participant: chat, mentionedJid: ['5511933334444@s.whatsapp.net'], quotedMessage: { conversation: 'qual o prazo de entrega?' } });
    expect(original?.contextInfo?.remoteJid ?? undefined).toBeUndefined();

    // written from the phone number instead (filed under the PN, the LID in remoteJidAlt) while the
    // answer goes to the LID: still the same chat, quoted with its text, as the contact's
    const pnId = stack.wa.current!.pushMessage({ from: CONTACT, via: 'pn', text: 'e o frete?' });
    await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === pnId, 'inbound from the PN');
    const res2 = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: CONTACT, message: 'Grátis', quotedId: pnId });
    const out2 = await stack.wa.waitForOutgoing((o) => o.id === res2.body.messageId, 30_000);
    expect(out2.to).toBe(chat);
    expect(out2.message?.extendedTextMessage?.contextInfo).toMatchObject({ stanzaId: pnId, participant: chat, quotedMessage: { conversation: 'e o frete?' } });
    expect(out2.message?.extendedTextMessage?.contextInfo?.remoteJid ?? undefined).toBeUndefined();

    // in a group: a member's message quoted keeps the member as its author
    stack.wa.addContact(MEMBER, { lid: MEMBER_LID });
    stack.wa.addGroup({ id: GROUP, subject: 'Loja', participants: [{ jid: `${CONTACT}@s.whatsapp.net`, lid: `${CONTACT_LID}@lid` }, { jid: `${MEMBER}@s.whatsapp.net`, lid: `${MEMBER_LID}@lid` }] });
    const gIn = stack.wa.current!.pushMessage({ group: GROUP, from: MEMBER, text: 'alguém viu meu pedido?' });
    const gReceived = await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === gIn, 'group message');
    expect(gReceived.data).toMatchObject({ chatId: GROUP, from: MEMBER });
    const gRes = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: GROUP, message: 'Vou verificar', quotedId: gIn });
    expect(gRes.status).toBe(202);
    gOut = await stack.wa.waitForOutgoing((o) => o.id === gRes.body.messageId, 30_000);
    const gOriginal = gOut.message?.extendedTextMessage;
    expect(gOriginal?.text).toBe('Vou verificar');
    expect(gOriginal?.contextInfo).toMatchObject({ stanzaId: gIn, quotedMessage: { conversation: 'alguém viu meu pedido?' } });
    expect([`${MEMBER}@s.whatsapp.net`, `${MEMBER_LID}@lid`]).toContain(gOriginal?.contextInfo?.participant);
  });

  it('after a whatsapp-server restart, retry requests get the originals whole, for any device; not for another chat', async () => {
    const original = out.message?.extendedTextMessage;
    const gOriginal = gOut.message?.extendedTextMessage;
    // a deploy: the server process restarts and restores the session from Redis
    const since = stack.wa.connections.length;
    expect(await stack.stopServer()).toBe(0);
    await stack.startServer();
    await stack.wa.waitForConnection({ kind: 'login', since });
    await waitFor(async () => (await status()) === 'connected', { timeoutMs: 30_000, what: `connected after the restart\n${stack.output().slice(-3000)}` });
    const conn = stack.wa.current!;
    await conn.settle();

    // the contact's phone could not decrypt it and asks again: the original comes back whole
    const resend = await conn.requestRetry(out, { device: 0, timeoutMs: 20_000 });
    expect(resend.id).toBe(out.id);
    expect(resend.message?.extendedTextMessage).toEqual(original);

    // another of the contact's devices asks (with its key bundle, as a second try does): answered too
    const again = await conn.requestRetry(out, { device: 1, count: 2, timeoutMs: 20_000 });
    expect(again.node.attrs.to).toBe(`${chat.split('@')[0]}:1@${chat.split('@')[1]}`);
    expect(again.message?.extendedTextMessage).toEqual(original);

    // a group member's phone asks: the group message comes back whole, to that member
    const gResend = await conn.requestRetry(gOut, { from: MEMBER, device: 0, timeoutMs: 20_000 });
    expect(gResend.message?.extendedTextMessage).toEqual(gOriginal);

    // someone else who asks for that id gets nothing (getMessage answers only the chat it was sent in)
    const stranger = { ...out, to: `${OTHER}@s.whatsapp.net` };
    await expect(conn.requestRetry(stranger, { device: 0, timeoutMs: 4000 })).rejects.toThrow('no matching outgoing message');
  });

  it('deleting the instance deletes its stored messages with its credentials', async () => {
    const redis = new IORedis(REDIS_URL);
    try {
      const keys = redisKeys(stack.prefix);
      const storeKeys = [keys.messageStoreIndex(ID), keys.messageStoreData(ID)];
      expect(await redis.hexists(keys.messageStoreData(ID), out.id)).toBe(1);
      expect((await stack.call('POST', '/instance/delete', { instanceId: ID })).status).toBe(200);
      expect(await redis.exists(...storeKeys, keys.authCreds(ID))).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
