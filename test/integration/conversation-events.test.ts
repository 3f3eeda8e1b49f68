/**
 * messages.upsert -> our events through handleMessageEvents, with the real message store and vote
 * counts in Redis: a poll created by Baileys itself (generateWAMessage, the messageSecret it puts in
 * messageContextInfo, Utils/messages.js:439-442) and stored as a send stores it, votes encrypted by
 * the stand-in's builder, tallies across voters, a vote changed and taken back; messages typed on
 * the phone reported, our own API sends (their id in the send ledger) not reported again.
 */
import IORedis from 'ioredis';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { TestEvent } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { handleMessageEvents, MessageEventContext } from '../../src/whatsapp/baileys/message-events';
import { MessageStore } from '../../src/whatsapp/baileys/message-store';
import { SessionState } from '../../src/whatsapp/baileys/session-state';
import { createSessionCaches } from '../../src/whatsapp/baileys/socket-config';
import { cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';

type Builders = typeof import('../harness/fake-wa/content-builders.mjs', { with: { 'resolution-mode': 'import' } });

const prefix = uniquePrefix('conv-events');
const keys = redisKeys(prefix);
const ME = '5511900000000@s.whatsapp.net';
const ANA = '5511911112222@s.whatsapp.net';
const ANA_LID = '11122233344455@lid';
const BIA = '5511933334444@s.whatsapp.net';
let redis: IORedis;
let baileys: Baileys;
let B: Builders;

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  baileys = await loadBaileys();
  B = await import('../harness/fake-wa/content-builders.mjs');
});

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

function setup(instanceId: string) {
  const events: TestEvent[] = [];
  const logger = silentLogger();
  const store = new MessageStore(baileys, redis, keys, instanceId, { max: 100, windowMs: 3_600_000, logger });
  const ctx: MessageEventContext = {
    baileys,
    instanceId,
    state: new SessionState(instanceId, (e) => events.push(e as TestEvent), logger),
    store,
    caches: createSessionCaches(),
    logger,
    isOwnSend: async (id) => (await redis.exists(keys.sendRecord(id))) > 0,
    me: () => ({ id: '5511900000000:4@s.whatsapp.net', lid: '99988877766655:4@lid' }),
    polls: { redis, keys, retentionMs: 3_600_000 },
  };
  const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
  const upsert = (messages: WAMessage[], type: 'notify' | 'append' = 'notify') => handleMessageEvents(ctx, { 'messages.upsert': { messages, type } });
  return { ctx, store, events, of, upsert };
}

const now = Math.floor(Date.now() / 1000);
function wa(key: WAMessage['key'], content: Record<string, unknown>, pushName = 'Ana'): WAMessage {
  const { proto } = baileys;
  return { key, message: proto.Message.decode(proto.Message.encode(proto.Message.fromObject(content)).finish()), messageTimestamp: now, pushName } as WAMessage;
}

describe('conversation events through handleMessageEvents', () => {
  test('a poll we sent: votes from two contacts are decrypted, tallied, changed and taken back', async () => {
    const t = setup('polls');
    // what sock.sendMessage(jid, { poll }) returns (generateWAMessage), remembered as a send is
    const poll = await baileys.generateWAMessage(ANA, { poll: { name: 'Qual horário?', values: ['Manhã', 'Tarde', 'Noite'], selectableCount: 1 } }, { userJid: ME, messageId: 'POLL0001', upload: (async () => ({})) as never });
    await t.store.remember(poll);
    const secret = poll.message!.messageContextInfo!.messageSecret!;
    // the voter names the chat by our jid; the creator (us) and the voter in the forms their client used
    const vote = (from: string, id: string, options: string[], voterJid = from) =>
      wa({ remoteJid: from, fromMe: false, id }, B.pollVoteContent({ pollId: 'POLL0001', chat: ME, secret, pollCreatorJid: ME, voterJid, options }));
    // rc14 cleanMessage turned the poll key to our perspective (process-message.js:84-104): fromMe, remoteJid = the chat
    const ours = (m: WAMessage) => {
      m.message!.pollUpdateMessage!.pollCreationMessageKey = { remoteJid: m.key.remoteJid, fromMe: true, id: 'POLL0001' };
      return m;
    };
    await t.upsert([ours(vote(ANA, 'V1', ['Tarde']))]);
    await t.upsert([ours(vote(BIA, 'V2', ['Tarde']))]);
    expect(t.of('poll.vote')).toHaveLength(2);
    expect(t.of('poll.vote')[1]).toMatchObject({
      messageId: 'V2', chatId: BIA, from: '5511933334444', fromMe: false, targetId: 'POLL0001', targetFromMe: true, question: 'Qual horário?', options: ['Tarde'],
      tallies: [
        { option: 'Manhã', votes: 0, voters: [] },
        { option: 'Tarde', votes: 2, voters: [ANA, BIA] },
        { option: 'Noite', votes: 0, voters: [] },
      ],
    });
    // Ana changes her mind (her client used her LID this time), then Bia takes her vote back
    const changed = ours(vote(ANA, 'V3', ['Noite'], ANA_LID));
    changed.key.remoteJidAlt = ANA_LID;
    await t.upsert([changed]);
    await t.upsert([ours(vote(BIA, 'V4', []))]);
    const [, , third, fourth] = t.of('poll.vote');
    expect(third).toMatchObject({ messageId: 'V3', from: '5511911112222', lid: ANA_LID, options: ['Noite'] });
    expect(fourth.options).toEqual([]);
    expect(fourth.tallies.map((x: { option: string; votes: number }) => [x.option, x.votes])).toEqual([['Manhã', 0], ['Tarde', 0], ['Noite', 1]]);
    expect(t.of('message.received')).toEqual([]);
  });

  test('a vote for a poll this instance does not have is not reported (no secret to open it)', async () => {
    const t = setup('unknown-poll');
    const m = wa({ remoteJid: ANA, fromMe: false, id: 'V9' }, B.pollVoteContent({ pollId: 'NOPOLL', chat: ME, secret: Buffer.alloc(32, 7), pollCreatorJid: ME, voterJid: ANA, options: ['x'] }));
    await t.upsert([m]);
    expect(t.events).toEqual([]);
  });

  test('typed on the phone: reported fromMe; our API send (in the send ledger) is not, even echoed', async () => {
    const t = setup('phone');
    await redis.set(keys.sendRecord('APISEND1'), JSON.stringify({ state: 'sent', instanceId: 'phone', result: {}, at: Date.now() }));
    await t.upsert([
      wa({ remoteJid: ANA, fromMe: true, id: 'APISEND1' }, { conversation: 'enviado pela API' }, 'Loja'),
      wa({ remoteJid: ANA, fromMe: true, id: 'PHONE1' }, { conversation: 'digitado no celular' }, 'Loja'),
      wa({ remoteJid: ANA, fromMe: true, id: 'PHONE2' }, B.reactionContent({ targetId: 'IN1', chat: ANA, emoji: '❤️' }), 'Loja'),
    ]);
    expect(t.of('message.received')).toEqual([expect.objectContaining({ messageId: 'PHONE1', chatId: ANA, fromMe: true, from: '5511911112222', text: 'digitado no celular', pushName: null })]);
    expect(t.of('message.reaction')).toEqual([expect.objectContaining({ messageId: 'PHONE2', fromMe: true, chatId: ANA, targetId: 'IN1', targetFromMe: false, emoji: '❤️' })]);
    // the phone's message is kept like any other (quotes of it, votes on a poll typed on the phone)
    expect((await t.store.get('PHONE1'))?.message?.conversation).toBe('digitado no celular');
  });

  test('a poll a contact created, voted by its creator: the key stays theirs', async () => {
    const t = setup('their-poll');
    const secret = Buffer.alloc(32, 3);
    await t.upsert([wa({ remoteJid: ANA, fromMe: false, id: 'THEIRPOLL' }, { pollCreationMessageV3: { name: 'Vem?', options: [{ optionName: 'Sim' }, { optionName: 'Não' }], selectableOptionsCount: 1 }, messageContextInfo: { messageSecret: secret } })]);
    expect(t.of('message.received')).toEqual([expect.objectContaining({ messageId: 'THEIRPOLL', type: 'other', contentType: 'pollCreationMessageV3' })]);
    const m = wa({ remoteJid: ANA, fromMe: false, id: 'V10' }, B.pollVoteContent({ pollId: 'THEIRPOLL', chat: ME, secret, pollCreatorJid: ANA, voterJid: ANA, options: ['Sim'], creatorIsVoter: true }));
    // cleanMessage: their own poll stays not ours, remoteJid = the chat (process-message.js:87-104)
    m.message!.pollUpdateMessage!.pollCreationMessageKey = { remoteJid: ANA, fromMe: false, id: 'THEIRPOLL' };
    await t.upsert([m]);
    expect(t.of('poll.vote')).toEqual([expect.objectContaining({ targetId: 'THEIRPOLL', targetFromMe: false, question: 'Vem?', options: ['Sim'] })]);
  });
});
