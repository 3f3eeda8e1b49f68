import { waitFor } from '../helpers/env';
import { MessagingStack } from '../helpers/messaging-stack';
import { sandboxLid } from '../../src/whatsapp/sandbox/incoming';

/** SANDBOX_LID_CONTACTS: the sandbox's contacts have LIDs, as contacts WhatsApp moved to LIDs do. */
const stack = new MessagingStack('sandbox-lid');

beforeAll(async () => {
  await stack.start({ SANDBOX_LID_CONTACTS: true, SANDBOX_RECEIPT_DELAY_MS: 20 });
  await stack.createInstance('sl-1');
});

afterAll(async () => {
  await stack.stop();
});

describe('sandbox with LID contacts', () => {
  it('reports an inbound message from the LID with the number filled, and an answer to chatId goes to the LID', async () => {
    const lid = sandboxLid('5511955554444');
    expect(lid).toMatch(/^20\d{13}@lid$/);
    const inbound = await stack.call('POST', '/instance/sl-1/sandbox/incoming', { from: '5511955554444', text: 'oi' });
    expect(inbound.status).toBeLessThan(300);
    const received = await waitFor(async () => (await stack.events('message.received')).find((e) => e.data.from === '5511955554444'), { what: 'message.received' });
    expect(received.data).toMatchObject({ chatId: lid, from: '5511955554444', fromLid: lid, lid });

    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'sl-1', phone: received.data.chatId, message: 'olá' });
    expect(res.status).toBe(202);
    const line = await waitFor(async () => (await stack.sendLog()).find((l) => l.messageId === res.body.messageId), { what: 'send' });
    expect(line.to).toBe(lid);
  });

  it('sends to a number go to its LID; receipts carry it', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'sl-1', phone: '5511955553333', message: 'pedido' });
    const id = res.body.messageId as string;
    const sent = await waitFor(async () => (await stack.events('message.sent')).find((e) => e.data.messageId === id), { what: 'message.sent' });
    expect(sent.data).toMatchObject({ to: '5511955553333', jid: sandboxLid('5511955553333') });
    const receipt = await waitFor(async () => (await stack.events('message.status')).find((e) => e.data.messageId === id && e.data.status === 'read'), { what: 'read receipt' });
    expect(receipt.data).toMatchObject({ chatId: sandboxLid('5511955553333'), lid: sandboxLid('5511955553333') });
  });
});
