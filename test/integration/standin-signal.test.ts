/**
 * The stand-in (test/harness/fake-wa) speaks Signal with plain Baileys 7.0.0-rc14: its contacts'
 * devices and the account's own phone hold real identities (Baileys' own makeLibSignalRepository),
 * so what they push is decrypted by the client's Signal code and what the client sends is decrypted
 * by theirs. No project code: makeWASocket against ws://127.0.0.1 (see test/harness/README.md, "Signal").
 */
import type { proto, WAMessage, WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeNode, FakeWaServer, OutgoingMessage } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { Baileys, nextUpdate, PlainBaileys, sleep, waitUntil } from '../harness/plain-baileys';

type Harness = typeof import('../harness/fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

jest.setTimeout(60_000);

const PHONE = '5511900000003';
const ANA = { phone: '5511988880001', lid: '204000000000101' }; // one device (the phone)
const BIA = { phone: '5511988880002', lid: '204000000000102' }; // a phone and a companion (device 1)
const GROUP = '120363000000000101@g.us';
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

let B: Baileys;
let H: Harness;
let wa: FakeWaServer;
let client: PlainBaileys;
let sock: WASocket;
let upserts: WAMessage[];

/** The text of a message as Baileys' sendMessage({ text }) builds it (extendedTextMessage) or a push (conversation). */
const textOf = (m?: { conversation?: string | null; extendedTextMessage?: { text?: string | null } | null } | null) => m?.extendedTextMessage?.text ?? m?.conversation;
const encOf = (n: FakeNode) => (n.content as FakeNode[]).find((c) => c.tag === 'enc')!;
const sentStanza = (id: string) => waitUntil(() => wa.current!.sent.find((n) => n.tag === 'message' && n.attrs.id === id), 5000, `stanza ${id}`);
const track = (s: WASocket) => s.ev.on('messages.upsert', (u) => upserts.push(...u.messages));
const upserted = (id: string) => waitUntil(() => upserts.find((m) => m.key.id === id), 10_000, `upsert of ${id}`);

beforeAll(async () => {
  B = await import('@whiskeysockets/baileys');
  H = await import('../harness/fake-wa/index.mjs');
  wa = await new H.FakeWaServer({ phone: PHONE, preKeyCount: 50 }).start();
  H.trustRootKey(wa.publicKeyBase64);
  wa.addContact(ANA.phone, { lid: ANA.lid });
  wa.addContact(BIA.phone, { lid: BIA.lid, devices: [0, 1] });
  client = new PlainBaileys(B, wa);
  sock = await client.pairAndOpen();
  upserts = [];
  track(sock);
});

afterAll(async () => {
  await wa.current?.settle().catch(() => undefined);
  client.end();
  await wa.stop();
  H.restoreRootKey();
});

describe('inbound: what the stand-in devices push', () => {
  test('a contact opens with a pkmsg, answers with a msg once the client wrote to it; both decrypt', async () => {
    const first = wa.current!.pushMessage({ from: ANA.phone, text: 'oi, primeira', pushName: 'Ana' });
    expect(encOf(await sentStanza(first)).attrs.type).toBe('pkmsg');
    expect((await upserted(first)).message?.conversation).toBe('oi, primeira');

    // the client answers: the stand-in's device decrypts it, its session leaves the pre-key state
    const sent = await sock.sendMessage(pn(ANA.phone), { text: 'olá Ana' });
    const out = await wa.waitForOutgoing((o) => o.id === sent!.key.id);
    expect(textOf(out.message)).toBe('olá Ana');

    const second = wa.current!.pushMessage({ from: ANA.phone, text: 'oi, segunda' });
    expect(encOf(await sentStanza(second)).attrs.type).toBe('msg');
    const msg = await upserted(second);
    expect(msg.message?.conversation).toBe('oi, segunda');
    expect(msg.key).toMatchObject({ remoteJid: pn(ANA.phone), fromMe: false });
  });

  test("a message from a contact's second device decrypts and is upserted once", async () => {
    const id = wa.current!.pushMessage({ from: BIA.phone, device: 1, text: 'do computador' });
    const stanza = await sentStanza(id);
    expect(stanza.attrs.from).toBe(`${BIA.phone}:1@s.whatsapp.net`);
    const msg = await upserted(id);
    expect(msg.message?.conversation).toBe('do computador');
    expect(msg.key).toMatchObject({ remoteJid: pn(BIA.phone), fromMe: false });
    await wa.current!.settle();
    expect(upserts.filter((m) => m.key.id === id)).toHaveLength(1);
    // no decryption failure, hence no retry receipt for it
    expect(wa.current!.received.some((n) => n.tag === 'receipt' && n.attrs.type === 'retry' && n.attrs.id === id)).toBe(false);
  });

  test('a LID-addressed message from the second device decrypts too', async () => {
    const id = wa.current!.pushMessage({ from: BIA.phone, device: 1, via: 'lid', text: 'pelo LID' });
    expect((await sentStanza(id)).attrs.from).toBe(`${BIA.lid}:1@lid`);
    expect((await upserted(id)).message?.conversation).toBe('pelo LID');
  });

  test('a message typed on the own phone arrives as fromMe, in the chat with the contact', async () => {
    const id = wa.current!.pushMessage({ fromMe: true, to: ANA.phone, text: 'mandei do celular' });
    const stanza = await sentStanza(id);
    expect(stanza.attrs).toMatchObject({ from: pn(PHONE), recipient: pn(ANA.phone) });
    const msg = await upserted(id);
    expect(msg.key).toMatchObject({ fromMe: true, remoteJid: pn(ANA.phone), id });
    expect(msg.message?.conversation).toBe('mandei do celular'); // unwrapped from deviceSentMessage
  });

  test("a participant's group message: the sender key rides in a pkmsg the first time, then only the skmsg", async () => {
    wa.addGroup({ id: GROUP, subject: 'Loja', participants: [{ jid: pn(ANA.phone) }, { jid: pn(BIA.phone) }, { jid: pn(PHONE) }] });
    const first = wa.current!.pushMessage({ group: GROUP, from: BIA.phone, device: 1, text: 'oi grupo' });
    const stanza = await sentStanza(first);
    expect(stanza.attrs).toMatchObject({ from: GROUP, participant: `${BIA.phone}:1@s.whatsapp.net`, participant_lid: `${BIA.lid}@lid` });
    expect((stanza.content as FakeNode[]).map((c) => c.attrs.type)).toEqual(['pkmsg', 'skmsg']);
    const msg = await upserted(first);
    expect(msg.key).toMatchObject({ remoteJid: GROUP, participant: pn(BIA.phone), fromMe: false }); // cleanMessage drops the device
    expect(msg.message?.conversation).toBe('oi grupo');

    const second = wa.current!.pushMessage({ group: GROUP, from: BIA.phone, device: 1, text: 'de novo' });
    expect(((await sentStanza(second)).content as FakeNode[]).map((c) => c.attrs.type)).toEqual(['skmsg']);
    expect((await upserted(second)).message?.conversation).toBe('de novo');
  });

  test('the client lost its session: it asks for a retry and the contact device sends the message again, decryptable', async () => {
    for (const k of [...client.store.keys()]) if (k.startsWith('session:') && (k.includes(ANA.lid) || k.includes(ANA.phone))) client.store.delete(k);
    const id = wa.current!.pushMessage({ from: ANA.phone, text: 'de novo, por favor' });
    expect(encOf(await sentStanza(id)).attrs.type).toBe('msg'); // the stand-in still has its session
    const retry = await wa.current!.waitFor((n) => n.tag === 'receipt' && n.attrs.type === 'retry' && n.attrs.id === id);
    expect(B.getBinaryNodeChild(retry as never, 'retry')?.attrs.count).toBe('1');
    const resent = await waitUntil(() => wa.current!.sent.filter((n) => n.tag === 'message' && n.attrs.id === id)[1], 5000, 'resend');
    expect(encOf(resent).attrs).toMatchObject({ type: 'pkmsg', count: '1' }); // a fresh session, as messages-send.js:708-721
    await waitUntil(() => upserts.find((m) => m.key.id === id && m.message?.conversation === 'de novo, por favor'), 10_000, 'the resend decrypted');
  });

  test('plaintext: true keeps the old unencrypted path', async () => {
    const id = wa.current!.pushMessage({ from: ANA.phone, text: 'sem cifra', plaintext: true });
    expect((await sentStanza(id)).content).toEqual([expect.objectContaining({ tag: 'plaintext' })]);
    expect((await upserted(id)).message?.conversation).toBe('sem cifra');
  });
});

describe('outgoing: the stand-in devices read what the client sends', () => {
  test('a 1:1 send decrypts for every device of the contact and, as deviceSentMessage, for the own phone', async () => {
    const sent = await sock.sendMessage(pn(BIA.phone), { text: 'oi Bia, tudo bem?' });
    const out = await wa.waitForOutgoing((o) => o.id === sent!.key.id);
    expect(textOf(out.message)).toBe('oi Bia, tudo bem?');
    const contactDevices = out.decrypted.filter((d) => d.jid.startsWith(BIA.phone) || d.jid.startsWith(BIA.lid));
    expect(contactDevices).toHaveLength(2);
    for (const d of contactDevices) expect(textOf(d.message)).toBe('oi Bia, tudo bem?');
    const own = out.decrypted.find((d) => d.jid.startsWith(PHONE) || d.message?.deviceSentMessage);
    expect(own?.message?.deviceSentMessage).toMatchObject({ destinationJid: pn(BIA.phone), message: { extendedTextMessage: { text: 'oi Bia, tudo bem?' } } });
    expect(out.decrypted.every((d) => !d.error)).toBe(true);
  });

  test('group sends decrypt from the skmsg, with and without a new sender key', async () => {
    const first = await sock.sendMessage(GROUP, { text: 'bom dia, grupo' });
    const out1 = await wa.waitForOutgoing((o) => o.id === first!.key.id);
    expect(textOf(out1.message)).toBe('bom dia, grupo');
    // the sender key went to each participant device inside a pkmsg/msg (messages-send.js:547-577)
    const skdms = out1.decrypted.filter((d) => d.message?.senderKeyDistributionMessage?.groupId === GROUP);
    expect(skdms.length).toBeGreaterThanOrEqual(3); // Ana's phone, Bia's two devices (+ the own phone)

    const second = await sock.sendMessage(GROUP, { text: 'segunda mensagem' });
    const out2 = await wa.waitForOutgoing((o) => o.id === second!.key.id);
    expect(out2.participants).toEqual([]); // everyone has the sender key: only the skmsg
    expect(textOf(out2.message)).toBe('segunda mensagem');
  });
});

describe('retry receipts', () => {
  let original: OutgoingMessage;
  const stored = new Map<string, proto.IMessage>();

  test('after a client restart, a retry receipt gets a decryptable resend when getMessage finds the message', async () => {
    const sent = await sock.sendMessage(pn(BIA.phone), { text: 'reenvia isso' });
    stored.set(sent!.key.id!, sent!.message!);
    original = await wa.waitForOutgoing((o) => o.id === sent!.key.id);
    await wa.current!.settle();

    // a new socket over the same creds: its recent-message cache is empty, only getMessage knows it
    const since = wa.connections.length;
    sock.end(undefined);
    sock = client.connect({ getMessage: async (key: { id?: string }) => stored.get(key.id ?? '') });
    track(sock);
    await nextUpdate(sock, (u) => u.connection === 'open');
    await wa.waitForConnection({ kind: 'login', since });
    await wa.current!.settle();

    // Bia's companion could not decrypt: a resend for that device only, on a fresh session from a
    // bundle the client fetches (messages-recv.js:1132-1134 assertSessions force)
    const keyFetches = () => wa.current!.received.filter((n) => n.attrs.xmlns === 'encrypt' && n.attrs.type === 'get' && (n.content as FakeNode[])[0]?.tag === 'key').length;
    const firstFetches = keyFetches();
    const resend = await wa.current!.requestRetry(original, { device: 1 });
    expect(keyFetches()).toBe(firstFetches + 1);
    expect(resend.node.attrs.to).toBe(`${BIA.phone}:1@s.whatsapp.net`);
    expect(textOf(resend.message)).toBe('reenvia isso');
    // rc14 puts the resend both in a top-level <enc count> (messages-send.js:670-721) and, since the
    // participant is its only device, in <participants> (:457-466 adds it to the devices, :641-657 encrypts for them): each decrypts for that device
    expect(resend.decrypted.length).toBeGreaterThan(0);
    for (const d of resend.decrypted) {
      expect(d.jid).toBe(`${BIA.phone}:1@s.whatsapp.net`);
      expect(textOf(d.message)).toBe('reenvia isso');
    }

    // the second try carries a key bundle, which the client uses for the session (messages-recv.js:1077-1084)
    const fetchesBefore = keyFetches();
    const again = await wa.current!.requestRetry(original, { device: 1, count: 2 });
    expect(textOf(again.message)).toBe('reenvia isso');
    expect(keyFetches()).toBe(fetchesBefore); // the session came from the receipt, no bundle fetched

    // the phone (device 0) asking: rc14 resends to every device of the contact (messages-recv.js:1075, :1145-1147)
    const all = await wa.current!.requestRetry(original, { device: 0 });
    expect(all.node.attrs.to).toBe(pn(BIA.phone));
    const atBia = all.decrypted.filter((d) => d.jid.startsWith(BIA.phone) || d.jid.startsWith(BIA.lid));
    expect(atBia.map((d) => textOf(d.message))).toEqual(['reenvia isso', 'reenvia isso']);
  });

  test('a group participant asking gets the resend with the sender key again', async () => {
    const sent = await sock.sendMessage(GROUP, { text: 'no grupo, de novo' });
    stored.set(sent!.key.id!, sent!.message!);
    const out = await wa.waitForOutgoing((o) => o.id === sent!.key.id);
    // a companion asking: the resend is for it alone (messages-send.js:751-755: to = group, participant = it)
    const resend = await wa.current!.requestRetry(out, { from: BIA.phone, device: 1 });
    expect(resend.node.attrs).toMatchObject({ to: GROUP, participant: `${BIA.phone}:1@s.whatsapp.net` });
    expect(textOf(resend.message)).toBe('no grupo, de novo');
    // messages-send.js:670-697: the retry carries the sender key distribution message
    expect(resend.decrypted.some((d) => d.message?.senderKeyDistributionMessage?.groupId === GROUP)).toBe(true);
  });

  test('without the message in getMessage, no resend comes', async () => {
    stored.clear();
    const sent = await sock.sendMessage(pn(ANA.phone), { text: 'esquecida' });
    const out = await wa.waitForOutgoing((o) => o.id === sent!.key.id);
    await wa.current!.settle();
    const since = wa.connections.length;
    sock.end(undefined);
    sock = client.connect({ getMessage: async () => undefined });
    await nextUpdate(sock, (u) => u.connection === 'open');
    await wa.waitForConnection({ kind: 'login', since });
    await wa.current!.settle();
    await expect(wa.current!.requestRetry(out, { timeoutMs: 3000 })).rejects.toThrow(/no matching outgoing message/);
    await sleep(0);
  });
});
