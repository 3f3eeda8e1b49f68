/**
 * What plain Baileys 7.0.0-rc14 itself emits and returns for five WhatsApp network behaviours the
 * stand-in (test/harness/fake-wa) models from Baileys' own source (see test/harness/README.md,
 * "Network behaviours"): contacts with LIDs, late error acks, restriction notifications, onWhatsApp
 * and group metadata of a group we are not in. No project code: makeWASocket against ws://127.0.0.1.
 */
import type { WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeNode, FakeWaServer } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { Baileys, collect, PlainBaileys, sleep, waitUntil } from '../harness/plain-baileys';

type Harness = typeof import('../harness/fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

const PHONE = '5511900000002';
const ANA = { phone: '5511988887777', lid: '204000000000001' }; // a contact with a LID
const CAIO = { phone: '5511966665555', lid: '204000000000002' }; // first heard of through his LID
const BR9 = '5511987654321'; // registered in its 9-digit form only
const BR8 = '551187654321'; // the same number's 8-digit form: not registered
const STRANGER = '5511955554444';
const pn = (phone: string) => `${phone}@s.whatsapp.net`;
const lid = (user: string) => `${user}@lid`;

let B: Baileys;
let H: Harness;
let wa: FakeWaServer;
let client: PlainBaileys;
let sock: WASocket;

beforeAll(async () => {
  B = await import('@whiskeysockets/baileys');
  H = await import('../harness/fake-wa/index.mjs');
  wa = await new H.FakeWaServer({ phone: PHONE, preKeyCount: 50, directory: 'registered' }).start();
  H.trustRootKey(wa.publicKeyBase64);
  wa.addContact(ANA.phone, { lid: ANA.lid });
  wa.addContact(CAIO.phone, { lid: CAIO.lid });
  wa.addContact(BR9);
  client = new PlainBaileys(B, wa);
  sock = await client.pairAndOpen();
});

afterAll(async () => {
  await wa.current?.settle().catch(() => undefined);
  client.end();
  await wa.stop();
  H.restoreRootKey();
});

describe('onWhatsApp (usync contact protocol)', () => {
  test('registered numbers -> { jid, exists: true }; unregistered ones (the 8-digit Brazilian form too) are left out', async () => {
    const res = await sock.onWhatsApp(ANA.phone, BR9, BR8, STRANGER);
    // rc14 Socket/socket.js:243 keeps only users whose contact parsed 'in', and maps them to { jid, exists }: no lid
    expect(res).toEqual([
      { jid: pn(ANA.phone), exists: true },
      { jid: pn(BR9), exists: true },
    ]);
    expect(await sock.onWhatsApp(BR8)).toEqual([]);
    // what Baileys asked: <user><contact>+551187654321</contact></user>, no jid (socket.js:183, 235)
    const users = (n: FakeNode) => B.getBinaryNodeChildren(B.getBinaryNodeChild(B.getBinaryNodeChild(n as never, 'usync'), 'list'), 'user');
    const phones = wa.current!.received.filter((n) => n.attrs.xmlns === 'usync').flatMap((n) => users(n).map((u) => String(B.getBinaryNodeChild(u, 'contact')?.content)));
    expect(phones).toEqual(expect.arrayContaining([`+${ANA.phone}`, `+${BR9}`, `+${BR8}`, `+${STRANGER}`]));
  });

  test('a usync query that asks the LID protocol too gets the contact LID', async () => {
    const query = new B.USyncQuery().withContactProtocol().withLIDProtocol().withUser(new B.USyncUser().withPhone(`+${ANA.phone}`));
    const res = await sock.executeUSyncQuery(query); // UsyncLIDProtocol.js:22-26 parses <lid val>
    expect(res?.list).toEqual([{ id: pn(ANA.phone), contact: true, lid: lid(ANA.lid) }]);
  });
});

describe('contacts with LIDs', () => {
  test('send to a PN: to and participants are PN; Baileys learns PN->LID from the usync lid answer', async () => {
    const sent = (await sock.sendMessage(pn(ANA.phone), { text: 'oi Ana' }))!;
    const out = await wa.waitForOutgoing((o) => o.id === sent.key.id);
    // messages-send.js:764-766 `to` = the jid passed; :628 + :222-228 PN device jids for a PN send
    expect(out).toMatchObject({ to: pn(ANA.phone), addressing: 'pn' });
    expect(out.participants).toEqual(expect.arrayContaining([pn(ANA.phone), pn(PHONE)]));
    expect(out.participants.some((j) => j.endsWith('@lid'))).toBe(false);
    // messages-send.js:198-203: the <lid val> of the device query is stored as the PN->LID mapping
    expect(await sock.signalRepository.lidMapping.getLIDForPN(pn(ANA.phone))).toBe(lid(ANA.lid));
    expect(client.store.get(`lid-mapping:${ANA.phone}`)).toBe(ANA.lid);
  });

  test('a LID-addressed message with sender_pn: remoteJid is the LID, remoteJidAlt the PN, mapping stored', async () => {
    const got = collect(sock, 'messages.upsert');
    expect(await sock.signalRepository.lidMapping.getPNForLID(lid(CAIO.lid))).toBeNull();
    const id = wa.current!.pushMessage({ from: CAIO.phone, via: 'lid', text: 'oi, sou o Caio' });
    const up = await waitUntil(() => got.find((u) => u.messages.some((m) => m.key.id === id)));
    expect(up.type).toBe('notify'); // decode-wa-message.js:77 sender_pn -> remoteJidAlt; messages-recv.js:1279-1286 stores it
    expect(up.messages[0].key).toMatchObject({ remoteJid: lid(CAIO.lid), remoteJidAlt: pn(CAIO.phone), addressingMode: 'lid', fromMe: false });
    expect(client.store.get(`lid-mapping:${CAIO.lid}_reverse`)).toBe(CAIO.phone);

    // replying to the chat as Baileys keyed it addresses the LID, device by device (messages-send.js:185-191, 222-228)
    const reply = (await sock.sendMessage(up.messages[0].key.remoteJid!, { text: 'oi Caio' }))!;
    const out = await wa.waitForOutgoing((o) => o.id === reply.key.id);
    expect(out).toMatchObject({ to: lid(CAIO.lid), addressing: 'lid' });
    expect(out.participants).toContain(lid(CAIO.lid));
    expect(out.participants.every((j) => j.endsWith('@lid'))).toBe(true);
  });

  test('a receipt from the LID of a PN-addressed message: messages.update keyed by the LID', async () => {
    const updates = collect(sock, 'messages.update');
    const sent = (await sock.sendMessage(pn(ANA.phone), { text: 'recibo?' }))!;
    await wa.waitForOutgoing((o) => o.id === sent.key.id);
    await sleep(200); // the send's own buffered events first
    wa.current!.sendReceipt(sent.key.id!, { via: 'lid' }); // messages-recv.js:1163-1168: key.remoteJid = attrs.from
    const u = await waitUntil(() => updates.find((x) => x.key.id === sent.key.id && x.update.status === 3));
    expect(u.key).toMatchObject({ remoteJid: lid(ANA.lid), fromMe: true });
  });
});

describe('late error acks', () => {
  const errorOf = (updates: { key: { id?: string | null }; update: unknown }[], id: string) =>
    updates.find((u) => u.key.id === id && (u.update as { status?: number }).status === B.WAMessageStatus.ERROR);

  test('479 on a given message id, after its plain ack -> messages.update ERROR [479]', async () => {
    const updates = collect(sock, 'messages.update');
    wa.failOutgoing({ id: 'FAKE479TARGET', error: 479 });
    await sock.sendMessage(pn(ANA.phone), { text: 'vai falhar' }, { messageId: 'FAKE479TARGET' });
    const u = await waitUntil(() => errorOf(updates, 'FAKE479TARGET')); // messages-recv.js:1494-1568 handleBadAck
    expect(u).toEqual({ key: { remoteJid: pn(ANA.phone), fromMe: true, id: 'FAKE479TARGET' }, update: { status: 0, messageStubParameters: ['479'] } });
    const out = wa.outgoing.find((o) => o.id === 'FAKE479TARGET')!;
    expect(out.errorAck!.error).toBe('479');
    expect(out.errorAck!.at - out.at).toBeGreaterThanOrEqual(490); // late: afterMs (500) after the plain ack
  });

  test('463 on the next message -> ERROR [463, account restricted], and Baileys re-issues its privacy token', async () => {
    const updates = collect(sock, 'messages.update');
    wa.failOutgoing({ count: 1, error: 463 });
    const first = (await sock.sendMessage(pn(BR9), { text: 'primeiro contato' }))!;
    const second = (await sock.sendMessage(pn(BR9), { text: 'segundo' }))!;
    const u = await waitUntil(() => errorOf(updates, first.key.id!));
    expect(u.update).toEqual({ status: 0, messageStubParameters: ['463', 'Your account has been restricted'] });
    // messages-recv.js:1513-1545: on 463 Baileys issues its privacy token to attrs.from again
    const out = wa.outgoing.find((o) => o.id === first.key.id)!;
    const isTokenIq = (n: FakeNode) => n.tag === 'iq' && n.attrs.xmlns === 'privacy' && n.attrs.type === 'set';
    const tokens = await waitUntil(() => wa.current!.received.slice(out.errorAck!.received).find(isTokenIq));
    const token = B.getBinaryNodeChild(B.getBinaryNodeChild(tokens as never, 'tokens'), 'token')!;
    expect(token.attrs).toMatchObject({ jid: pn(BR9), type: 'trusted_contact' });
    await sleep(300);
    expect(errorOf(updates, second.key.id!)).toBeUndefined();
  });

  test('every message to a contact (a rule by LID matches PN sends), error ack at once: folded into the upsert', async () => {
    const updates = collect(sock, 'messages.update');
    const upserts = collect(sock, 'messages.upsert');
    // an error ack that lands while Baileys still buffers the send's own upsert (flushed 100 ms after it,
    // Utils/event-buffer.js:141-153) is merged into that upsert (event-buffer.js:425-438): the app sees
    // messages.upsert (type 'append') with status 0 + messageStubParameters and NO messages.update
    // (what happens here on localhost; an ack delayed past the flush comes as messages.update instead)
    const seen = (id: string) =>
      errorOf(updates, id)?.update ?? upserts.flatMap((u) => u.messages).find((m) => m.key.id === id && m.status === B.WAMessageStatus.ERROR);
    wa.failOutgoing({ to: lid(ANA.lid), error: 463, late: false });
    const a = (await sock.sendMessage(pn(ANA.phone), { text: 'um' }))!;
    const b = (await sock.sendMessage(pn(ANA.phone), { text: 'dois' }))!;
    for (const m of [a, b]) {
      const e = await waitUntil(() => seen(m.key.id!));
      expect(e).toMatchObject({ status: 0, messageStubParameters: ['463', 'Your account has been restricted'] });
    }
    wa.clearFailures();
    const c = (await sock.sendMessage(pn(ANA.phone), { text: 'três' }))!;
    await sleep(700);
    expect(seen(c.key.id!)).toBeUndefined();
  });
});

describe('restriction notifications (<notification type=mex>)', () => {
  test('reachout timelock set, fetched and lifted -> connection.update { reachoutTimeLock }', async () => {
    const updates = collect(sock, 'connection.update');
    const endsAt = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000);
    wa.current!.pushReachoutTimelock({ endsAt, enforcementType: 'BIZ_COMMERCE_VIOLATION_ALCOHOL' });
    const set = await waitUntil(() => updates.find((u) => u.reachoutTimeLock)); // messages-recv.js:151-182
    expect(set).toEqual({ reachoutTimeLock: { isActive: true, timeEnforcementEnds: endsAt, enforcementType: 'BIZ_COMMERCE_VIOLATION_ALCOHOL' } });
    // the w:mex fetch (socket.js:906-917) answers the same state, and emits connection.update again (:915)
    expect(await sock.fetchAccountReachoutTimelock()).toEqual({ isActive: true, timeEnforcementEnds: endsAt, enforcementType: 'BIZ_COMMERCE_VIOLATION_ALCOHOL' });

    wa.current!.pushReachoutTimelock({ enforcementType: 'NOT_A_TYPE' }); // no end: rc14 uses now + 60 s, type DEFAULT
    const unknown = await waitUntil(() => updates.filter((u) => u.reachoutTimeLock)[2]);
    expect(unknown.reachoutTimeLock).toMatchObject({ isActive: true, enforcementType: 'DEFAULT' });
    expect(Math.abs(unknown.reachoutTimeLock!.timeEnforcementEnds!.getTime() - (Date.now() + 60_000))).toBeLessThan(5000);

    wa.current!.pushReachoutTimelock({ active: false });
    const lifted = await waitUntil(() => updates.filter((u) => u.reachoutTimeLock)[3]);
    expect(lifted).toEqual({ reachoutTimeLock: { isActive: false, enforcementType: 'DEFAULT' } });
  });

  test('new-chat message capping -> message-capping.update with the payload as sent', async () => {
    const caps = collect(sock, 'message-capping.update');
    const info = { total_quota: 50, used_quota: 50, capping_status: 'CAPPED', mv_status: 'NOT_ACTIVE', ote_status: 'NOT_ELIGIBLE', cycle_end_timestamp: '1900000000' } as const;
    wa.current!.pushMessageCapping(info);
    expect(await waitUntil(() => caps[0])).toEqual(info); // messages-recv.js:183-191, emitted as is
    expect(await sock.fetchNewChatMessageCap()).toEqual(info);
  });
});

describe('group metadata', () => {
  const GROUP = '120363000000000001@g.us';

  test('a group we are in -> metadata; one we are not in, or left -> Boom "forbidden", data 403', async () => {
    wa.addGroup({ id: GROUP, subject: 'Loja', participants: [{ jid: pn(PHONE), admin: 'superadmin' }, { jid: pn(ANA.phone), lid: lid(ANA.lid) }] });
    const meta = await sock.groupMetadata(GROUP);
    expect(meta).toMatchObject({ id: GROUP, subject: 'Loja', size: 2 });
    expect(meta.participants[1]).toMatchObject({ id: pn(ANA.phone), lid: lid(ANA.lid), admin: null });

    // socket.js:136-138 query -> generic-utils.js:54-58 assertNodeErrorFree: Boom(text, { data: +code }), status 500
    const notIn = await sock.groupMetadata('120363000000000099@g.us').catch((e: unknown) => e);
    expect(notIn).toMatchObject({ isBoom: true, message: 'forbidden', data: 403, output: { statusCode: 500 } });

    wa.leaveGroup(GROUP);
    const left = await sock.groupMetadata(GROUP).catch((e: unknown) => e);
    expect(left).toMatchObject({ isBoom: true, message: 'forbidden', data: 403 });
  });
});
