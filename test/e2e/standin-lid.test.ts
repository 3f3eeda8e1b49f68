/**
 * LID addressing end to end: the real processes with the real Baileys driver against the stand-in
 * (test/harness/fake-wa), whose contacts have LIDs as Baileys rc14 reads them (usync LID protocol,
 * LID-addressed messages). The rule under test (src/whatsapp/baileys/addressing.ts chatJidFor): a
 * 1:1 send goes to the address the chat uses, the LID whenever Baileys maps the number to one.
 */
import { waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';

jest.setTimeout(120_000);

const ID = 'lid-1';
const stack = new BaileysStack('standin-lid', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });

beforeAll(async () => {
  await stack.start({ phone: '5511900000002' });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

const send = (phone: string, message: string) => stack.call('POST', '/queue/add-message', { instanceId: ID, phone, message });

describe('LID addressing against the stand-in', () => {
  it('a LID-only contact writes; the CRM answers to chatId; the answer goes to that LID', async () => {
    stack.wa.setLid('5511977776666', '204000000000077');
    const inId = stack.wa.current!.pushMessage({ from: '5511977776666', via: 'lid', hidePn: true, text: 'oi, sou novo' });
    const received = await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === inId, 'LID-only message');
    // WhatsApp told us no number: the event says so, and chatId is the LID to answer to
    expect(received.data).toMatchObject({ chatId: '204000000000077@lid', from: null, fromLid: '204000000000077@lid', lid: '204000000000077@lid' });

    const res = await send(received.data.chatId, 'Olá! Como posso ajudar?');
    expect(res.status).toBe(202);
    expect(res.body.to).toBe('204000000000077@lid');
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    expect(out).toMatchObject({ to: '204000000000077@lid', addressing: 'lid' });
    expect(out.participants.every((p: string) => p.endsWith('@lid'))).toBe(true);
    await waitFor(async () => (await stack.call('GET', `/messages/${res.body.messageId}`)).body.message?.status === 'sent', { what: 'sent' });
  });

  it('a send addressed by phone to a contact WhatsApp moved to a LID goes to the LID, though it never wrote', async () => {
    stack.wa.addContact('5511966665555', { lid: '204000000000088' });
    const res = await send('+55 11 96666-5555', 'Seu pedido saiu para entrega');
    expect(res.status).toBe(202);
    expect(res.body.to).toBe('5511966665555');
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    expect(out).toMatchObject({ to: '204000000000088@lid', addressing: 'lid' });
    const sent = await stack.waitDelivered('/messages', (e) => e.type === 'message.sent' && e.data.messageId === res.body.messageId, 'message.sent');
    expect(sent.data).toMatchObject({ to: '5511966665555', jid: '204000000000088@lid' });
  });

  it('a receipt from the LID reaches the message sent to the phone number', async () => {
    const res = await send('5511966665555', 'confirma o endereço?');
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    stack.wa.current!.sendReceipt(out.id, { via: 'lid' });
    const status = await stack.waitDelivered('/messages', (e) => e.type === 'message.status' && e.data.messageId === out.id && e.data.status === 'delivered', 'delivered from the LID');
    expect(status.data).toMatchObject({ fromMe: true, lid: '204000000000088@lid' });
    await waitFor(async () => (await stack.call('GET', `/messages/${out.id}`)).body.message?.status === 'delivered', { what: 'delivered in the status store' });
  });
});
