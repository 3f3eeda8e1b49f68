/**
 * The CRM's reads through the real daemon (whatsapp-server with the Baileys driver, workers as
 * child processes from dist/) against the WhatsApp Web stand-in (test/harness/fake-wa):
 * - GET /instance/:id/groups and /groups/:groupId answer from the stand-in's groups (one
 *   participating IQ, then the session's cache), and a group change notification drops the cache;
 * - GET /instance/:id/contacts/:contact answers exists / phone / LID / names / picture (null when
 *   the contact hides it or has none);
 * - POST /instance/:id/read sends the <receipt type=read> the stand-in sees, POST .../presence the
 *   <chatstate> / <presence> stanza; bad input is a JSON 4xx, an instance that is not connected 409.
 */
import type { FakeNode } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';

jest.setTimeout(120_000);

const ID = 'crm-1';
const PHONE = '5511900000051';
const ANA = { phone: '5511966660151', lid: '204000000000151' };
const BIA = { phone: '5511966660152', lid: '204000000000152' };
const CAIO = '5511966660153'; // registered, no profile picture
const STRANGER = '5511955550159'; // not on WhatsApp
const LOJA = '120363000000000151@g.us';
const LID_GROUP = '120363000000000152@g.us';
const OUTSIDE = '120363000000000999@g.us';
const ANA_PICTURE = 'https://pps.whatsapp.net/v/t61.24694-24/ana.jpg?oh=1';
const pn = (phone: string) => `${phone}@s.whatsapp.net`;
const lid = (user: string) => `${user}@lid`;

let stack: BaileysStack;

beforeAll(async () => {
  stack = new BaileysStack('standin-crm', { WA_VERSION_FETCH_TIMEOUT_MS: '0' });
  await stack.start({ phone: PHONE, directory: 'registered', history: { pushName: 'Loja Centro', contacts: [{ phone: ANA.phone, lid: ANA.lid, name: 'Ana Souza' }] } });
  stack.wa.addContact(ANA.phone, { lid: ANA.lid });
  stack.wa.addContact(BIA.phone, { lid: BIA.lid });
  stack.wa.addContact(CAIO);
  stack.wa.addGroup({
    id: LOJA,
    subject: 'Loja',
    owner: pn(ANA.phone),
    description: 'Pedidos da loja',
    announce: true,
    participants: [
      { jid: pn(PHONE) },
      { jid: pn(ANA.phone), lid: lid(ANA.lid), admin: 'superadmin' },
      { jid: pn(BIA.phone), admin: 'admin' },
    ],
  });
  stack.wa.addGroup({ id: LID_GROUP, subject: 'Atacado', addressingMode: 'lid', restrict: true, participants: [{ jid: lid(BIA.lid), phoneNumber: pn(BIA.phone) }, { jid: lid(ANA.lid) }] });
  stack.wa.setProfilePicture(ANA.phone, ANA_PICTURE);
  stack.wa.setProfilePicture(BIA.phone, null); // hidden by Bia's privacy settings
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack?.output());
  await stack?.stop();
});

const received = (pred: (n: FakeNode) => boolean) => stack.wa.connections.flatMap((c) => c.received).filter(pred);
const children = (n: FakeNode | undefined) => (Array.isArray(n?.content) ? n!.content : []);
const participatingQueries = () => received((n) => n.tag === 'iq' && n.attrs.xmlns === 'w:g2' && children(n)[0]?.tag === 'participating');
const metadataQueries = (group: string) => received((n) => n.tag === 'iq' && n.attrs.xmlns === 'w:g2' && n.attrs.to === group);

describe('groups', () => {
  it('lists the groups the number is in from one participating query, then from the cache', async () => {
    const res = await stack.call('GET', `/instance/${ID}/groups`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, instanceId: ID, count: 2 });
    const loja = res.body.groups.find((g: { id: string }) => g.id === LOJA);
    expect(loja).toMatchObject({ subject: 'Loja', size: 3, owner: pn(ANA.phone), announce: true, restrict: false, addressingMode: 'pn' });
    expect(res.body.groups.find((g: { id: string }) => g.id === LID_GROUP)).toMatchObject({ subject: 'Atacado', size: 2, restrict: true, announce: false, addressingMode: 'lid' });
    expect(participatingQueries()).toHaveLength(1);
    expect((await stack.call('GET', `/instance/${ID}/groups`)).body.count).toBe(2);
    expect(participatingQueries()).toHaveLength(1); // cached per session
  });

  it('answers one group with its description and participants (admin flags, phone and LID)', async () => {
    const res = await stack.call('GET', `/instance/${ID}/groups/${LOJA}`);
    expect(res.status).toBe(200);
    expect(res.body.group).toMatchObject({ id: LOJA, subject: 'Loja', description: 'Pedidos da loja', size: 3 });
    expect(res.body.group.participants).toEqual([
      { jid: pn(PHONE), phone: PHONE, lid: null, admin: null, isAdmin: false, isSuperAdmin: false },
      { jid: pn(ANA.phone), phone: ANA.phone, lid: lid(ANA.lid), admin: 'superadmin', isAdmin: true, isSuperAdmin: true },
      { jid: pn(BIA.phone), phone: BIA.phone, lid: null, admin: 'admin', isAdmin: true, isSuperAdmin: false },
    ]);
    // the participating list filled the metadata cache: no metadata query of its own
    expect(metadataQueries(LOJA)).toHaveLength(0);
    // a LID-addressed group names its participants by LID, with the phone WhatsApp gave
    const byDigits = await stack.call('GET', `/instance/${ID}/groups/${LID_GROUP.split('@')[0]}`);
    expect(byDigits.status).toBe(200);
    expect(byDigits.body.group.participants[0]).toMatchObject({ jid: lid(BIA.lid), phone: BIA.phone, lid: lid(BIA.lid), admin: null });
  });

  it('a group change notification drops the cached list and metadata', async () => {
    stack.wa.changeGroup(LOJA, { subject: 'Loja Centro' });
    const list = await waitFor(async () => {
      const body = (await stack.call('GET', `/instance/${ID}/groups`)).body;
      return body.groups?.find((g: { id: string; subject: string }) => g.id === LOJA && g.subject === 'Loja Centro') ? body : undefined;
    }, { timeoutMs: 15_000, what: `renamed group listed\n${stack.output().slice(-2000)}` });
    expect(list.count).toBe(2);
    expect(participatingQueries()).toHaveLength(2);
    expect((await stack.call('GET', `/instance/${ID}/groups/${LOJA}`)).body.group.subject).toBe('Loja Centro');
    // membership changes too (group-participants.update)
    stack.wa.changeGroup(LOJA, { add: [pn(CAIO)] });
    await waitFor(async () => (await stack.call('GET', `/instance/${ID}/groups/${LOJA}`)).body.group?.size === 4, { timeoutMs: 15_000, what: 'added participant seen' });
  });

  it('a group the number is not in is 403 not_in_group; a bad id is 400', async () => {
    const outside = await stack.call('GET', `/instance/${ID}/groups/${OUTSIDE}`);
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ success: false, error: { code: 'not_in_group' } });
    const bad = await stack.call('GET', `/instance/${ID}/groups/not-a-group`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_recipient');
  });
});

describe('contacts', () => {
  it('a contact by phone: exists, LID, the address-book name, the push name and the picture', async () => {
    const since = stack.delivered('/messages', 'message.received').length;
    stack.wa.current!.pushMessage({ from: ANA.phone, text: 'oi', pushName: 'Ana' });
    await waitFor(() => stack.delivered('/messages', 'message.received').length > since || undefined, { what: 'message from Ana delivered' });
    const res = await stack.call('GET', `/instance/${ID}/contacts/${ANA.phone}`);
    expect(res.status).toBe(200);
    expect(res.body.contact).toEqual({
      input: ANA.phone,
      exists: true,
      phone: ANA.phone,
      jid: pn(ANA.phone),
      lid: lid(ANA.lid),
      name: 'Ana Souza',
      notify: 'Ana',
      verifiedName: null,
      pictureUrl: ANA_PICTURE,
      picture: 'set',
    });
    // the stand-in was asked for the picture (w:profile:picture IQ)
    expect(received((n) => n.tag === 'iq' && n.attrs.xmlns === 'w:profile:picture').length).toBeGreaterThan(0);
  });

  it('a contact by LID finds the phone the session mapped', async () => {
    const res = await stack.call('GET', `/instance/${ID}/contacts/${lid(ANA.lid)}`);
    expect(res.status).toBe(200);
    expect(res.body.contact).toMatchObject({ exists: true, phone: ANA.phone, jid: pn(ANA.phone), lid: lid(ANA.lid), pictureUrl: ANA_PICTURE, notify: 'Ana' });
  });

  it('a hidden picture and no picture are null; a number not on WhatsApp says so; a bad contact is 400', async () => {
    const bia = await stack.call('GET', `/instance/${ID}/contacts/${pn(BIA.phone)}`);
    expect(bia.body.contact).toMatchObject({ exists: true, phone: BIA.phone, pictureUrl: null, picture: 'hidden' });
    const caio = await stack.call('GET', `/instance/${ID}/contacts/${CAIO}`);
    expect(caio.body.contact).toMatchObject({ exists: true, pictureUrl: null, picture: 'none', name: null });
    const stranger = await stack.call('GET', `/instance/${ID}/contacts/${STRANGER}`);
    expect(stranger.status).toBe(200);
    expect(stranger.body.contact).toMatchObject({ exists: false, phone: STRANGER, pictureUrl: null, lid: null });
    const bad = await stack.call('GET', `/instance/${ID}/contacts/${LOJA}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, error: { code: 'invalid_recipient' } });
  });
});

describe('read receipts and presence', () => {
  it('read sends one <receipt type=read> for the chat with every id', async () => {
    const res = await stack.call('POST', `/instance/${ID}/read`, { chatId: ANA.phone, messageIds: ['3EB0AAAA00000001', '3EB0AAAA00000002'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, count: 2 });
    const receipt = await stack.wa.current!.waitFor((n) => n.tag === 'receipt' && n.attrs.id === '3EB0AAAA00000001');
    expect(receipt.attrs.type).toBe('read');
    expect([pn(ANA.phone), lid(ANA.lid)]).toContain(receipt.attrs.to);
    const items = children(children(receipt).find((c) => c.tag === 'list')).map((i) => i.attrs.id);
    expect(items).toEqual(['3EB0AAAA00000002']);
  });

  it('read in a group names the participant', async () => {
    const res = await stack.call('POST', `/instance/${ID}/read`, { chatId: LOJA, messageIds: ['3EB0BBBB00000001'], participant: BIA.phone });
    expect(res.status).toBe(200);
    const receipt = await stack.wa.current!.waitFor((n) => n.tag === 'receipt' && n.attrs.id === '3EB0BBBB00000001');
    expect(receipt.attrs).toMatchObject({ to: LOJA, participant: pn(BIA.phone), type: 'read' });
  });

  it('presence: typing and recording in a chat, online for the account', async () => {
    expect((await stack.call('POST', `/instance/${ID}/presence`, { presence: 'composing', chatId: ANA.phone })).status).toBe(200);
    const typing = await stack.wa.current!.waitFor((n) => n.tag === 'chatstate' && children(n)[0]?.tag === 'composing' && !children(n)[0].attrs.media);
    expect([pn(ANA.phone), lid(ANA.lid)]).toContain(typing.attrs.to);
    expect((await stack.call('POST', `/instance/${ID}/presence`, { presence: 'recording', chatId: ANA.phone })).status).toBe(200);
    await stack.wa.current!.waitFor((n) => n.tag === 'chatstate' && children(n)[0]?.attrs.media === 'audio');
    // online needs the account's push name, which arrives with the first app-state sync: rc14 then
    // announces it with a <presence name> (lib/Socket/socket.js:843-853)
    await stack.wa.current!.waitFor((n) => n.tag === 'presence' && n.attrs.name === 'Loja Centro', 20_000);
    const online = await stack.call('POST', `/instance/${ID}/presence`, { presence: 'available' });
    expect(online.status).toBe(200);
    const presence = await stack.wa.current!.waitFor((n) => n.tag === 'presence' && n.attrs.type === 'available');
    expect(presence.attrs.name).toBe('Loja Centro');
  });

  it('bad input is a JSON 400; an instance that is not connected is 409, an unknown one 404', async () => {
    const cases: Array<[string, unknown]> = [
      ['read', { chatId: ANA.phone, messageIds: [] }],
      ['read', { chatId: 'abc', messageIds: ['3EB0CCCC00000001'] }],
      ['read', { chatId: LOJA, messageIds: ['3EB0CCCC00000001'] }], // a group needs the participant
      ['presence', { presence: 'typing', chatId: ANA.phone }],
      ['presence', { presence: 'composing' }], // a chat state needs the chat
    ];
    for (const [route, body] of cases) {
      const res = await stack.call('POST', `/instance/${ID}/${route}`, body);
      expect({ route, body, status: res.status, success: res.body.success }).toEqual({ route, body, status: 400, success: false });
      expect(typeof res.body.error.message).toBe('string');
    }
    const idle = await stack.call('POST', '/instance/create', { instanceId: 'crm-idle' });
    expect(idle.status).toBe(201);
    for (const [method, path] of [['GET', 'groups'], ['GET', `contacts/${ANA.phone}`], ['POST', 'read'], ['POST', 'presence']]) {
      const body = method === 'POST' ? (path === 'read' ? { chatId: ANA.phone, messageIds: ['3EB0DDDD00000001'] } : { presence: 'available' }) : undefined;
      const res = await stack.call(method, `/instance/crm-idle/${path}`, body);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 409, code: 'instance_not_connected' });
    }
    expect((await stack.call('GET', '/instance/nobody-here/groups')).status).toBe(404);
  });
});
