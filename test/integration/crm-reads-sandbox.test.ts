/**
 * The CRM reads in sandbox mode (WHATSAPP_DRIVER=sandbox, real server and Redis): the groups are
 * those the sandbox "received" a message in, with the senders and the number itself; a contact's
 * push name is the one it was given; read and presence answer 200; the same 4xx as with Baileys.
 */
import { apiCall, cleanupPrefix, freePort, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';

const prefix = uniquePrefix('crm-sandbox');
const ID = 'crm-sb';
const GROUP = '120363000000000777@g.us';
const ANA = '5511999990101';
let server: StartedServer;
let port: number;
const call = (method: string, path: string, body?: unknown) => apiCall(port, method, path, body);

beforeAll(async () => {
  port = await freePort();
  server = await startServer(testConfig(prefix, { SERVER_PORT: port, SANDBOX_LINK_DELAY_MS: 0, CRON_CLEAN: 'off', CRON_EXPIRE: 'off', CRON_TRIM_DEAD_LETTERS: 'off', CRON_HEARTBEAT: 'off' }), silentLogger());
  expect((await call('POST', '/instance/create', { instanceId: ID })).status).toBe(201);
  await waitFor(async () => (await call('GET', `/instance/${ID}/status`)).body.status === 'connected', { what: 'sandbox linked' });
});

afterAll(async () => {
  await server?.close();
  await cleanupPrefix(prefix);
});

it('lists the groups it received messages in, with their senders and the number as superadmin', async () => {
  expect((await call('GET', `/instance/${ID}/groups`)).body).toMatchObject({ success: true, count: 0, groups: [] });
  expect((await call('POST', `/instance/${ID}/sandbox/incoming`, { from: ANA, chatId: GROUP, pushName: 'Ana', text: 'oi' })).status).toBe(201);
  const list = (await call('GET', `/instance/${ID}/groups`)).body;
  expect(list).toMatchObject({ count: 1, groups: [{ id: GROUP, size: 2, announce: false, addressingMode: 'pn' }] });
  const group = (await call('GET', `/instance/${ID}/groups/${GROUP.split('@')[0]}`)).body.group;
  const me = (await call('GET', `/instance/${ID}/status`)).body.instance.me;
  expect(group.participants).toEqual([
    expect.objectContaining({ jid: me.id, admin: 'superadmin', isSuperAdmin: true }),
    { jid: `${ANA}@s.whatsapp.net`, phone: ANA, lid: null, admin: null, isAdmin: false, isSuperAdmin: false },
  ]);
  const outside = await call('GET', `/instance/${ID}/groups/120363000000000888@g.us`);
  expect(outside.status).toBe(403);
  expect(outside.body.error.code).toBe('not_in_group');
});

it('a contact: the push name it was given, no picture; a number without an account says so', async () => {
  expect((await call('GET', `/instance/${ID}/contacts/${ANA}`)).body.contact).toEqual({
    input: ANA, exists: true, phone: ANA, jid: `${ANA}@s.whatsapp.net`, lid: null, name: null, notify: 'Ana', verifiedName: null, pictureUrl: null, picture: 'none',
  });
  expect((await call('GET', `/instance/${ID}/contacts/5511999990000`)).body.contact).toMatchObject({ exists: false, notify: null });
  expect((await call('GET', `/instance/${ID}/contacts/nobody`)).status).toBe(400);
});

it('read and presence answer 200; bad input 400; an unknown instance 404', async () => {
  expect((await call('POST', `/instance/${ID}/read`, { chatId: GROUP, messageIds: ['3EB0AAAA00000001'], participant: ANA })).body).toMatchObject({ success: true, count: 1 });
  expect((await call('POST', `/instance/${ID}/presence`, { presence: 'available' })).body).toMatchObject({ success: true, presence: 'available' });
  expect((await call('POST', `/instance/${ID}/presence`, { presence: 'paused', chatId: ANA })).body).toMatchObject({ success: true, chatId: ANA });
  const bad = await call('POST', `/instance/${ID}/read`, { chatId: ANA, messageIds: ['x'], participant: ANA });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('validation_failed');
  expect((await call('GET', '/instance/nobody-here/groups')).status).toBe(404);
});
