/**
 * The mapping of messages that act on others (edits, deletes for everyone, reactions, poll votes)
 * and of messages typed on the phone, with Baileys' own module and WAMessage shapes as rc14 hands
 * them over (key fields as Utils/decode-wa-message.js:178-189 builds them), and the stand-in's
 * content builders (what WhatsApp delivers).
 */
import { randomBytes } from 'node:crypto';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { silentLogger } from '../../src/shared/logger';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { conversationEvent, ConversationContext } from '../../src/whatsapp/baileys/conversation-events';
import { receivedData } from '../../src/whatsapp/baileys/inbound';
import { decryptVote, sha256Hex } from '../../src/whatsapp/baileys/poll-votes';
import { routeEvent } from '../../src/webhooks/routing';
import { chatOf } from '../../src/webhooks/ordering';
import type { AnyEvent } from '../../src/events/envelope';

type Builders = typeof import('../harness/fake-wa/content-builders.mjs', { with: { 'resolution-mode': 'import' } });

const ME = '5511900000000@s.whatsapp.net';
const ME_LID = '99988877766655@lid';
const ANA = '5511911112222@s.whatsapp.net';
const ANA_LID = '11122233344455@lid';
const GROUP = '120363000000000001@g.us';
const now = Math.floor(Date.now() / 1000);

let baileys: Baileys;
let B: Builders;
let ctx: ConversationContext;

beforeAll(async () => {
  baileys = await loadBaileys();
  B = await import('../harness/fake-wa/content-builders.mjs');
  ctx = { baileys, instanceId: 'i1', logger: silentLogger(), me: () => ({ id: '5511900000000:3@s.whatsapp.net', lid: '99988877766655:3@lid' }), lidForPn: async (pn) => (pn === ANA ? ANA_LID : null) };
});

/** A message as rc14 upserts it: content decoded from the wire (proto.Message). */
function wa(key: WAMessage['key'], content: Record<string, unknown>, extra: Partial<WAMessage> = {}): WAMessage {
  return { key, message: baileys.proto.Message.decode(baileys.proto.Message.encode(baileys.proto.Message.fromObject(content)).finish()), messageTimestamp: now, pushName: 'Ana', ...extra } as WAMessage;
}

describe('conversation events from messages.upsert', () => {
  it('an edit: the author, the target, the new text, the edit time', async () => {
    const msg = wa({ remoteJid: ANA, remoteJidAlt: ANA_LID, fromMe: false, id: 'EDIT1' }, B.editContent({ targetId: 'IN1', chat: ME, text: 'corrigido', timestampMs: (now + 60) * 1000 }));
    const ev = await conversationEvent(ctx, msg, false);
    expect(ev).toEqual({
      type: 'message.edited',
      data: {
        messageId: 'EDIT1', chatId: ANA, isGroup: false, fromMe: false, from: '5511911112222', fromJid: ANA, fromLid: ANA_LID, lid: ANA_LID,
        participant: null, participantLid: null, pushName: 'Ana', timestamp: now + 60, targetId: 'IN1', targetFromMe: false,
        type: 'text', contentType: 'conversation', text: 'corrigido', offline: false,
      },
    });
  });

  it('an edit wrapped in editedMessage (how current clients send it) is unwrapped', async () => {
    const inner = B.editContent({ targetId: 'IN2', chat: ME, text: 'v2' });
    const ev = await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: false, id: 'EDIT2' }, { editedMessage: { message: inner } }), true);
    expect(ev).toMatchObject({ type: 'message.edited', data: { targetId: 'IN2', text: 'v2', offline: true } });
  });

  it('a revoke by the author, and one by a group admin of our message', async () => {
    const own = await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: false, id: 'DEL1' }, B.revokeContent({ targetId: 'IN1', chat: ME })), false);
    expect(own).toMatchObject({ type: 'message.deleted', data: { messageId: 'DEL1', chatId: ANA, from: '5511911112222', targetId: 'IN1', targetFromMe: false, byAdmin: false } });
    const admin = await conversationEvent(
      ctx,
      wa({ remoteJid: GROUP, participant: ANA_LID, participantAlt: ANA, fromMe: false, id: 'DEL2' }, B.revokeContent({ targetId: 'OUT1', chat: GROUP, fromMe: false, participant: ME_LID })),
      false,
    );
    expect(admin).toMatchObject({ type: 'message.deleted', data: { chatId: GROUP, isGroup: true, from: '5511911112222', participantLid: ANA_LID, targetId: 'OUT1', targetFromMe: true, byAdmin: true } });
  });

  it('a reaction and its removal; the key as cleanMessage left it (our message: fromMe)', async () => {
    const r = await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: false, id: 'R1' }, { reactionMessage: { key: { remoteJid: ANA, fromMe: true, id: 'OUT1' }, text: '👍', senderTimestampMs: 1 } }), false);
    expect(r).toMatchObject({ type: 'message.reaction', data: { messageId: 'R1', chatId: ANA, targetId: 'OUT1', targetFromMe: true, emoji: '👍', removed: false } });
    const gone = await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: false, id: 'R2' }, { reactionMessage: { key: { remoteJid: ANA, fromMe: true, id: 'OUT1' }, text: '' } }), false);
    expect(gone).toMatchObject({ type: 'message.reaction', data: { emoji: '', removed: true } });
  });

  it('other protocol traffic is no event', async () => {
    expect(await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: false, id: 'P1' }, { protocolMessage: { type: 3, ephemeralExpiration: 86400 } }), false)).toBeUndefined();
  });
});

describe('messages typed on the phone (fromMe)', () => {
  it('1:1: the chat and the sender fields are the contact, not our own alternate address', async () => {
    // rc14 puts OUR alternate address in remoteJidAlt for our own messages (decode-wa-message.js:180)
    const msg = wa({ remoteJid: ANA, remoteJidAlt: ME_LID, fromMe: true, id: 'PHONE1' }, { conversation: 'te ligo já' }, { pushName: 'Loja' });
    const data = await receivedData(baileys, 'i1', msg, false, undefined, ctx.lidForPn);
    expect(data).toMatchObject({ messageId: 'PHONE1', chatId: ANA, fromMe: true, from: '5511911112222', fromJid: ANA, fromLid: ANA_LID, lid: ANA_LID, pushName: null, text: 'te ligo já' });
  });

  it('in a group: the sender is this number', async () => {
    const msg = wa({ remoteJid: GROUP, participant: ME_LID, participantAlt: ME, fromMe: true, id: 'PHONE2' }, { conversation: 'bom dia' }, { pushName: 'Loja' });
    const data = await receivedData(baileys, 'i1', msg, false);
    expect(data).toMatchObject({ chatId: GROUP, fromMe: true, from: '5511900000000', participant: ME, participantLid: ME_LID, pushName: 'Loja' });
  });

  it('our own edit from the phone targets our message', async () => {
    const ev = await conversationEvent(ctx, wa({ remoteJid: ANA, fromMe: true, id: 'EDIT3' }, B.editContent({ targetId: 'OUT9', chat: ANA, text: 'ops' })), false);
    expect(ev).toMatchObject({ type: 'message.edited', data: { chatId: ANA, fromMe: true, from: '5511911112222', lid: ANA_LID, targetFromMe: true, text: 'ops' } });
  });
});

describe('poll vote decryption (the stand-in encrypts as decryptPollVote decrypts)', () => {
  it('opens with the identities the voter used, in whichever form; a wrong secret opens nothing', () => {
    const secret = randomBytes(32);
    const vote = B.pollVoteContent({ pollId: 'POLL1', chat: ME, secret, pollCreatorJid: ME, voterJid: ANA_LID, options: ['Tarde'] }).pollUpdateMessage.vote;
    const opened = decryptVote(baileys, vote, { id: 'POLL1', secret, creators: [ME, ME_LID] }, [ANA, ANA_LID]);
    expect(opened?.map((h) => Buffer.from(h).toString('hex'))).toEqual([sha256Hex('Tarde')]);
    expect(decryptVote(baileys, vote, { id: 'POLL1', secret: randomBytes(32), creators: [ME, ME_LID] }, [ANA, ANA_LID])).toBeUndefined();
    expect(decryptVote(baileys, vote, { id: 'POLL2', secret, creators: [ME] }, [ANA_LID])).toBeUndefined();
  });
});

describe('where the new events go', () => {
  const config = { SUPABASE_FUNCTIONS_URL: 'https://crm.example/functions/v1' };
  it.each(['message.edited', 'message.deleted', 'message.reaction', 'poll.vote'] as const)('%s -> webhook_whatsapp_web, in its chat\'s order', (type) => {
    expect(routeEvent({ type }, config)).toEqual({ family: 'messages', url: 'https://crm.example/functions/v1/webhook_whatsapp_web', source: 'functions' });
    expect(chatOf({ type, instanceId: 'i1', data: { chatId: ANA } } as AnyEvent)).toBe(`i1:${ANA}`);
  });
});
