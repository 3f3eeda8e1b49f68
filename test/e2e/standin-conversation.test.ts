/**
 * Conversation sync end to end: the real processes with the real Baileys driver against the
 * stand-in (test/harness/fake-wa), events read where the edge function gets them (the receiver's
 * /messages, WEBHOOK_URL_MESSAGES = the messages family, webhook_whatsapp_web by default).
 * A message typed on the account's own phone is a message.received with fromMe; a contact's edit,
 * delete for everyone and reaction are message.edited / message.deleted / message.reaction; a poll
 * the CRM sends through the API is voted by the contact (the stand-in reads the poll's
 * messageSecret from the decrypted outgoing message and encrypts the vote with it) -> poll.vote.
 */
import { BaileysStack, DeliveredEvent } from '../harness/baileys-stack';

type Builders = typeof import('../harness/fake-wa/content-builders.mjs', { with: { 'resolution-mode': 'import' } });

jest.setTimeout(120_000);

const ID = 'conv-1';
const ACCOUNT = '5511900000003';
const ACCOUNT_JID = `${ACCOUNT}@s.whatsapp.net`;
const ANA = '5511977770001';
const ANA_JID = `${ANA}@s.whatsapp.net`;
const ANA_LID = '204000000000101';
const stack = new BaileysStack('standin-conversation', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });
let B: Builders;

beforeAll(async () => {
  B = await import('../harness/fake-wa/content-builders.mjs');
  await stack.start({ phone: ACCOUNT });
  stack.wa.addContact(ANA, { lid: ANA_LID });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

const event = (type: string, pred: (d: DeliveredEvent['data']) => boolean, what: string) =>
  stack.waitDelivered('/messages', (e) => e.type === type && e.instanceId === ID && pred(e.data), what, 30_000);
const push = (opts: Parameters<NonNullable<typeof stack.wa.current>['pushMessage']>[0]) => stack.wa.current!.pushMessage(opts);

describe('conversation sync against the stand-in', () => {
  it('a message typed on the phone reaches the CRM as message.received fromMe, filed under the contact', async () => {
    const id = push({ fromMe: true, to: ANA, text: 'te mando o orçamento já' });
    const got = await event('message.received', (d) => d.messageId === id, 'phone message');
    expect(got.data).toMatchObject({ fromMe: true, chatId: ANA_JID, from: ANA, lid: `${ANA_LID}@lid`, isGroup: false, type: 'text', text: 'te mando o orçamento já', pushName: null });
  });

  it("a contact's edit, delete for everyone and reaction arrive as their events", async () => {
    const inId = push({ from: ANA, text: 'quero 3 unidads' });
    await event('message.received', (d) => d.messageId === inId, 'original message');

    const editId = push({ from: ANA, message: B.editContent({ targetId: inId, chat: ACCOUNT_JID, text: 'quero 3 unidades' }) });
    const edited = await event('message.edited', (d) => d.messageId === editId, 'message.edited');
    expect(edited.data).toMatchObject({ targetId: inId, targetFromMe: false, chatId: ANA_JID, from: ANA, lid: `${ANA_LID}@lid`, fromMe: false, type: 'text', text: 'quero 3 unidades' });

    const delId = push({ from: ANA, message: B.revokeContent({ targetId: inId, chat: ACCOUNT_JID }) });
    const deleted = await event('message.deleted', (d) => d.messageId === delId, 'message.deleted');
    expect(deleted.data).toMatchObject({ targetId: inId, targetFromMe: false, byAdmin: false, chatId: ANA_JID, from: ANA });

    // she reacts to a message the CRM sent her: in her client's key it is not hers (fromMe false)
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: ANA, message: 'segue o link de pagamento' });
    expect(res.status).toBe(202);
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    const reactId = push({ from: ANA, message: B.reactionContent({ targetId: out.id, chat: ACCOUNT_JID, emoji: '🙏' }) });
    const reaction = await event('message.reaction', (d) => d.messageId === reactId, 'message.reaction');
    expect(reaction.data).toMatchObject({ targetId: out.id, targetFromMe: true, emoji: '🙏', removed: false, chatId: ANA_JID, from: ANA });
    // the API send itself is message.sent, never a message.received
    await event('message.sent', (d) => d.messageId === out.id, 'message.sent');
    expect(stack.delivered('/messages', 'message.received').some((e) => e.data.messageId === out.id)).toBe(false);
  });

  it('a poll sent through the API, voted by the contact -> poll.vote with her choice and the tallies', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: ANA, poll: { name: 'Qual horário prefere?', options: ['Manhã', 'Tarde'] } });
    expect(res.status).toBe(202);
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    // the decrypted outgoing content: the poll and its secret, as her phone receives them
    const secret = out.message?.messageContextInfo?.messageSecret;
    expect(secret?.length).toBe(32);
    expect(out.message?.pollCreationMessageV3?.name).toBe('Qual horário prefere?');
    await event('message.sent', (d) => d.messageId === out.id, 'poll sent');

    const voteId = push({ from: ANA, message: B.pollVoteContent({ pollId: out.id, chat: ACCOUNT_JID, secret, pollCreatorJid: ACCOUNT_JID, voterJid: ANA_JID, options: ['Tarde'] }) });
    const vote = await event('poll.vote', (d) => d.messageId === voteId, 'poll.vote');
    expect(vote.data).toMatchObject({
      targetId: out.id,
      targetFromMe: true,
      chatId: ANA_JID,
      from: ANA,
      lid: `${ANA_LID}@lid`,
      fromMe: false,
      question: 'Qual horário prefere?',
      options: ['Tarde'],
      tallies: [
        { option: 'Manhã', votes: 0, voters: [] },
        { option: 'Tarde', votes: 1, voters: [ANA_JID] },
      ],
    });
  });
});
