/**
 * Signal end to end: the real processes with the real Baileys driver against the stand-in, whose
 * contacts' devices encrypt what they push with their own Signal identities (test/harness/fake-wa,
 * signal.mjs). The daemon links by QR, uploads its pre-keys (the stand-in keeps them server-side),
 * decrypts what a contact's second device sends and reports it once; what it sends back decrypts
 * at that contact's devices, and after a whatsapp-server restart (creds and sessions in Redis) the
 * same device's next message still decrypts.
 */
import { waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';

jest.setTimeout(120_000);

const ID = 'enc-1';
const PHONE = '5511900000004';
const CONTACT = '5511977770101';
const CONTACT_LID = '204000000000401';
const stack = new BaileysStack('standin-encrypted', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });

const received = (id: string) => stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === id, `message.received ${id}`);
const receivedCount = (id: string) => stack.delivered('/messages', 'message.received').filter((e) => e.data.messageId === id).length;

beforeAll(async () => {
  await stack.start({ phone: PHONE });
  stack.wa.addContact(CONTACT, { lid: CONTACT_LID, devices: [0, 1] });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

describe('encrypted messages through the daemon', () => {
  it("an encrypted message from a contact's second device is reported once as message.received", async () => {
    const conn = stack.wa.current!;
    const uploaded = stack.wa.signal.preKeysLeft(conn.device!)!;
    expect(uploaded).toBeGreaterThan(0); // the daemon uploaded one-time pre-keys after pairing
    const id = conn.pushMessage({ from: CONTACT, device: 1, text: 'oi, do computador', pushName: 'Rita' });
    await conn.flush();
    expect(stack.wa.signal.preKeysLeft(conn.device!)).toBe(uploaded - 1); // the session took one of them
    const stanza = conn.sent.find((n) => n.attrs.id === id)!;
    expect(stanza.attrs.from).toBe(`${CONTACT}:1@s.whatsapp.net`);
    expect((stanza.content as { tag: string; attrs: Record<string, string> }[])[0]).toMatchObject({ tag: 'enc', attrs: { type: 'pkmsg' } });

    const event = await received(id);
    expect(event.data).toMatchObject({ from: CONTACT, fromLid: `${CONTACT_LID}@lid`, type: 'text', text: 'oi, do computador', pushName: 'Rita' });
    // decrypted at the first attempt: no retry receipt, and one event only
    await conn.settle(300);
    expect(conn.received.some((n) => n.tag === 'receipt' && n.attrs.type === 'retry' && n.attrs.id === id)).toBe(false);
    expect(receivedCount(id)).toBe(1);
  });

  it("the CRM's answer decrypts at each of the contact's devices", async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: CONTACT, message: 'Olá Rita, como posso ajudar?' });
    expect(res.status).toBe(202);
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    const text = (m?: Record<string, any>) => m?.extendedTextMessage?.text ?? m?.conversation; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(text(out.message)).toBe('Olá Rita, como posso ajudar?');
    const atContact = out.decrypted.filter((d) => d.jid.startsWith(CONTACT) || d.jid.startsWith(CONTACT_LID));
    expect(atContact.map((d) => text(d.message))).toEqual(['Olá Rita, como posso ajudar?', 'Olá Rita, como posso ajudar?']);
  });

  it('after a whatsapp-server restart the same device writes again and it still decrypts', async () => {
    const since = stack.wa.connections.length;
    await stack.wa.current!.settle(300);
    expect(await stack.stopServer()).toBe(0);
    await stack.startServer();
    const login = await stack.wa.waitForConnection({ kind: 'login', since, timeoutMs: 30_000 });
    await waitFor(async () => (await stack.call('GET', `/instance/${ID}/status`)).body.status === 'connected', { timeoutMs: 30_000, what: 'reconnected' });
    await login.settle(300);

    const id = login.pushMessage({ from: CONTACT, device: 1, text: 'voltei' });
    await login.flush();
    // the daemon wrote to this device before the restart: its session left the pre-key state
    const stanza = login.sent.find((n) => n.attrs.id === id)!;
    expect((stanza.content as { attrs: Record<string, string> }[])[0].attrs.type).toBe('msg');
    expect((await received(id)).data).toMatchObject({ from: CONTACT, text: 'voltei' });
    expect(receivedCount(id)).toBe(1);
  });
});
