/**
 * What plain Baileys 7.0.0-rc14 itself returns and emits for the stand-in's group list, group
 * change notifications and profile pictures (test/harness/README.md, "Group list and group
 * changes", "Profile pictures"). No project code: makeWASocket against ws://127.0.0.1.
 */
import type { WASocket } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { FakeWaServer } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { Baileys, collect, PlainBaileys, waitUntil } from '../harness/plain-baileys';

type Harness = typeof import('../harness/fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

const PHONE = '5511900000061';
const ANA = { phone: '5511988880061', lid: '204000000000061' };
const BIA = '5511988880062';
const GROUP = '120363000000000161@g.us';
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

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
  wa.addContact(BIA);
  wa.addGroup({ id: GROUP, subject: 'Loja', owner: pn(ANA.phone), description: 'Pedidos', announce: true, participants: [{ jid: pn(ANA.phone), lid: `${ANA.lid}@lid`, admin: 'superadmin' }, { jid: pn(BIA) }] });
  wa.addGroup({ id: '120363000000000162@g.us', subject: 'Saí' });
  wa.leaveGroup('120363000000000162@g.us');
  client = new PlainBaileys(B, wa);
  sock = await client.pairAndOpen();
});

afterAll(async () => {
  await wa.current?.settle().catch(() => undefined);
  client.end();
  await wa.stop();
  H.restoreRootKey();
});

test('groupFetchAllParticipating: every group the account is in, parsed by extractGroupMetadata, echoed as groups.update', async () => {
  const updates = collect(sock, 'groups.update');
  const all = await sock.groupFetchAllParticipating();
  expect(Object.keys(all)).toEqual([GROUP]); // the group left is not listed
  expect(all[GROUP]).toMatchObject({ id: GROUP, subject: 'Loja', size: 2, owner: pn(ANA.phone), desc: 'Pedidos', announce: true, restrict: false });
  expect(all[GROUP].participants).toEqual([
    { id: pn(ANA.phone), lid: `${ANA.lid}@lid`, phoneNumber: undefined, username: undefined, admin: 'superadmin' },
    { id: pn(BIA), lid: undefined, phoneNumber: undefined, username: undefined, admin: null },
  ]);
  // lib/Socket/groups.js:56 emits what it returns
  await waitUntil(() => updates.length > 0, 5000, 'groups.update');
  expect(updates).toEqual([all[GROUP]]);
});

test('changeGroup: a w:gp2 notification becomes groups.update / group-participants.update', async () => {
  const updates = collect(sock, 'groups.update');
  const participants = collect(sock, 'group-participants.update');
  wa.changeGroup(GROUP, { subject: 'Loja Centro' });
  await waitUntil(() => updates.find((u) => u.subject === 'Loja Centro'), 5000, 'subject update');
  expect(updates[0]).toMatchObject({ id: GROUP, subject: 'Loja Centro', author: pn(ANA.phone) });
  wa.changeGroup(GROUP, { restrict: true });
  await waitUntil(() => updates.find((u) => u.restrict === true), 5000, 'restrict update');
  wa.changeGroup(GROUP, { promote: [pn(BIA)] });
  const promoted = await waitUntil(() => participants.find((p) => p.action === 'promote'), 5000, 'promote');
  expect(promoted).toMatchObject({ id: GROUP, participants: [expect.objectContaining({ id: pn(BIA) })] });
  // the stored group changed too: the next metadata query says so
  expect(await sock.groupMetadata(GROUP)).toMatchObject({ subject: 'Loja Centro', restrict: true, participants: expect.arrayContaining([expect.objectContaining({ id: pn(BIA), admin: 'admin' })]) });
});

test('profilePictureUrl: the URL set; a hidden picture throws data 401, none set throws data 404', async () => {
  wa.setProfilePicture(ANA.phone, 'https://pps.whatsapp.net/v/t61/ana.jpg');
  wa.setProfilePicture(BIA, null);
  expect(await sock.profilePictureUrl(pn(ANA.phone))).toBe('https://pps.whatsapp.net/v/t61/ana.jpg');
  expect(await sock.profilePictureUrl(`${ANA.lid}@lid`, 'image')).toBe('https://pps.whatsapp.net/v/t61/ana.jpg'); // a LID target, resolved to the phone
  await expect(sock.profilePictureUrl(pn(BIA))).rejects.toMatchObject({ message: 'not-authorized', data: 401 });
  await expect(sock.profilePictureUrl(pn('5511988880069'))).rejects.toMatchObject({ message: 'item-not-found', data: 404 });
});
