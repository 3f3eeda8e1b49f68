/**
 * The real processes with the real Baileys driver (WHATSAPP_DRIVER=baileys) against the local
 * WhatsApp Web stand-in (test/harness/fake-wa): pairing by QR, incoming messages with phone and LID,
 * a send with its receipts, every close code the reconnect policy knows, and a server restart.
 * whatsapp-server, message-worker and webhook-worker run as child processes; the edge functions are
 * a local receiver. Steps share one instance and run in order.
 */
import IORedis from 'ioredis';
import { REDIS_URL, TEST_SECRETS, waitFor } from '../helpers/env';
import { BaileysStack, DeliveredEvent } from '../harness/baileys-stack';

jest.setTimeout(120_000);

const ID = 'loja-1';
const PHONE = '5511900000001';
const CONTACT = '5511988887777';
const CONTACT_LID = '204000000000001';

const stack = new BaileysStack('baileys-standin', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0' });

beforeAll(async () => {
  await stack.start({ phone: PHONE, media: true });
  stack.wa.setLid(CONTACT, CONTACT_LID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

const statusEvents = () => stack.delivered('/status', 'connection.update').filter((e) => e.instanceId === ID);
const instanceStatus = async () => (await stack.call('GET', `/instance/${ID}/status`)).body.status as string;

/** Runs action and waits for a status event after it (delivered to the receiver's status path). */
async function statusAfter(action: () => unknown, pred: (e: DeliveredEvent) => boolean, what: string): Promise<DeliveredEvent> {
  const mark = statusEvents().length;
  await action();
  return waitFor(() => statusEvents().slice(mark).find(pred), { timeoutMs: 30_000, what: `${what}\n${stack.output().slice(-3000)}` });
}

const isStatus = (status: string) => (e: DeliveredEvent) => e.data.status === status;

/** Closes the current connection with code and waits for the next login; returns both status events seen. */
async function closeAndReconnect(code: number | 'silent') {
  const conn = stack.wa.current!;
  await conn.settle();
  const since = stack.wa.connections.length;
  const reconnecting = await statusAfter(() => (code === 'silent' ? conn.goSilent() : conn.closeWith(code)), isStatus('reconnecting'), `reconnecting after ${code}`);
  const login = await stack.wa.waitForConnection({ kind: 'login', since, timeoutMs: 30_000 });
  await waitFor(async () => (await instanceStatus()) === 'connected', { timeoutMs: 20_000, what: `connected again after ${code}` });
  return { reconnecting, login };
}

describe('whatsapp-server with the Baileys driver against the stand-in', () => {
  it('create -> QR to the receiver and GET qr -> scan -> 515 -> connected with phone and LID', async () => {
    const since = stack.wa.connections.length;
    const created = await stack.call('POST', '/instance/create', { instanceId: ID });
    expect(created.status).toBe(201);
    const qrEvent = await stack.waitDelivered('/qr', (e) => e.type === 'qr.updated' && e.instanceId === ID, 'qr.updated');
    const qr = (await stack.call('GET', `/instance/${ID}/qr`)).body.qr as string;
    expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#REF/);
    expect(qrEvent.data.qr).toBe(qr);

    const register = await stack.wa.waitForConnection({ kind: 'register', since });
    const connected = await statusAfter(() => register.scanQr(qr, { device: 2 }), isStatus('connected'), 'connected after pairing');
    const login = await stack.wa.waitForConnection({ kind: 'login', since: register.index + 1 });
    expect(login.device).toBe(`${PHONE}:2`);
    expect(connected.data.me).toMatchObject({ id: `${PHONE}@s.whatsapp.net`, lid: expect.stringMatching(/^\d+@lid$/) });
    expect(statusEvents().some((e) => e.data.status === 'reconnecting' && e.data.code === 515 && e.data.retryInMs === 0)).toBe(true);
  });

  it('incoming text and image reach the messages path with phone number and LID; the image downloads', async () => {
    const conn = stack.wa.current!;
    const photo = Buffer.from('not really a jpeg, but bytes all the same '.repeat(50));
    const hosted = await stack.wa.media!.encryptAndHost(photo, 'image');
    const textId = conn.pushMessage({ from: CONTACT, text: 'Olá, quero um orçamento', pushName: 'Ana' });
    const imageId = conn.pushMessage({ from: CONTACT, via: 'lid', image: { caption: 'foto do produto', hosted } });
    const received = (id: string) => stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === id, `message ${id}`);

    const text = await received(textId);
    expect(text.data).toMatchObject({ from: CONTACT, fromJid: `${CONTACT}@s.whatsapp.net`, fromLid: `${CONTACT_LID}@lid`, type: 'text', text: 'Olá, quero um orçamento', pushName: 'Ana' });
    const image = await received(imageId);
    expect(image.data).toMatchObject({ from: CONTACT, fromLid: `${CONTACT_LID}@lid`, type: 'image', text: 'foto do produto' });
    expect(image.data.media).toMatchObject({ mimetype: 'image/jpeg', caption: 'foto do produto', downloadPath: `/instance/${ID}/media/${imageId}` });

    const res = await fetch(`http://127.0.0.1:${stack.ports.server}${image.data.media.downloadPath}`, { headers: { apikey: TEST_SECRETS.API_KEY } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
  });

  it('a message the device cannot decrypt still reaches the CRM, and a retry is asked', async () => {
    const conn = stack.wa.current!;
    const id = conn.pushMessage({ from: CONTACT, undecryptable: true });
    const stub = await stack.waitDelivered('/messages', (e) => e.type === 'message.undecryptable' && e.data.messageId === id, 'undecryptable');
    expect(stub.data).toMatchObject({ from: CONTACT, fromLid: `${CONTACT_LID}@lid`, error: expect.any(String) });
    await conn.waitFor((n) => n.tag === 'receipt' && n.attrs.type === 'retry' && n.attrs.id === id);
  });

  it('add-message -> the stand-in gets the stanza for the recipient and id; receipts -> delivered, read', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: `+${CONTACT}`, message: 'Segue o orçamento' });
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    const out = await stack.wa.waitForOutgoing((o) => o.id === id, 30_000);
    // the contact wrote from its LID: a send addressed by phone goes to the address the chat uses
    expect(out.to).toBe(`${CONTACT_LID}@lid`);
    expect(out.type).toBe('text');

    const view = async () => (await stack.call('GET', `/messages/${id}`)).body.message;
    await waitFor(async () => (await view())?.sentAt, { what: 'sent' });
    stack.wa.current!.sendReceipt(id);
    await waitFor(async () => ['delivered', 'read'].includes((await view())?.status), { what: 'delivered' });
    stack.wa.current!.sendReceipt(id, { type: 'read' });
    const read = await waitFor(async () => ((await view())?.status === 'read' ? view() : undefined), { what: 'read' });
    expect(read).toMatchObject({ messageId: id, waMessageId: id, to: CONTACT });
    expect(stack.wa.outgoing.filter((o) => o.id === id)).toHaveLength(1);
  });

  it('add-message with an image URL: fetched, uploaded to the media host, sent as media', async () => {
    const photo = Buffer.from('an image for the customer '.repeat(80));
    const mediaUrl = stack.wa.media!.publish('orcamento.jpg', photo, 'image/jpeg');
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: CONTACT, mediaType: 'image', mediaUrl, message: 'orçamento' });
    expect(res.status).toBe(202);
    const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
    expect(out).toMatchObject({ to: `${CONTACT_LID}@lid`, type: 'media' });
    const upload = stack.wa.media!.uploads.at(-1)!;
    expect(upload.type).toBe('image');
    // AES-CBC of the bytes (padded to 16) plus the 10-byte MAC
    expect(upload.bytes.length).toBe((Math.floor(photo.length / 16) + 1) * 16 + 10);
  });

  it('515 reconnects at once', async () => {
    const { reconnecting } = await closeAndReconnect(515);
    expect(reconnecting.data).toMatchObject({ code: 515, reason: 'restart_required', retryInMs: 0 });
  });

  it('405 refreshes the version and reconnects with the configured one', async () => {
    const { reconnecting, login } = await closeAndReconnect(405);
    expect(reconnecting.data).toMatchObject({ code: 405, reason: 'version_refused' });
    expect(login.payload?.userAgent?.appVersion).toMatchObject({ primary: 2, secondary: 3000, tertiary: 1023456789 });
  });

  it('a silent connection is noticed by the keep-alive (408) and reconnected', async () => {
    const { reconnecting } = await closeAndReconnect('silent');
    expect(reconnecting.data).toMatchObject({ code: 408, reason: 'connection_error' });
  });

  it('restart of whatsapp-server reconnects from the Redis auth state without a QR', async () => {
    const since = stack.wa.connections.length;
    expect(await stack.stopServer()).toBe(0);
    await stack.startServer();
    const login = await stack.wa.waitForConnection({ kind: 'login', since, timeoutMs: 30_000 });
    expect(login.device).toBe(`${PHONE}:2`);
    await waitFor(async () => (await instanceStatus()) === 'connected', { timeoutMs: 20_000, what: 'connected after restart' });
    expect(stack.wa.connections.slice(since).some((c) => c.kind === 'register')).toBe(false);
  });

  it('440 twice stops the instance as failed, credentials kept', async () => {
    await closeAndReconnect(440);
    const conn = stack.wa.current!;
    await conn.settle();
    const since = stack.wa.connections.length;
    const failed = await statusAfter(() => conn.closeWith(440), isStatus('failed'), 'failed after the second 440');
    expect(failed.data).toMatchObject({ code: 440, reason: 'connection_replaced_loop' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.wa.connections.length).toBe(since); // no new connection
    expect(await authKeyCount()).toBeGreaterThan(0);
  });

  it('401 deletes the auth state in Redis and stops as logged_out', async () => {
    const since = stack.wa.connections.length;
    await statusAfter(() => stack.call('POST', `/instance/${ID}/restart`), isStatus('connected'), 'connected after restart');
    expect(stack.wa.connections.slice(since).map((c) => c.kind)).toEqual(['login']);
    const conn = stack.wa.current!;
    await conn.settle();
    const out = await statusAfter(() => conn.closeWith(401), isStatus('logged_out'), 'logged_out after 401');
    expect(out.data).toMatchObject({ code: 401, reason: 'logged_out' });
    await waitFor(async () => (await authKeyCount()) === 0, { what: 'auth state deleted' });
    expect(await instanceStatus()).toBe('logged_out');
  });

  it('create with a phone -> pairing code in the answer -> typed on the phone -> connected as that number', async () => {
    const since = stack.wa.connections.length;
    const created = await stack.call('POST', '/instance/create', { instanceId: 'loja-2', phone: '+55 11 97777-6666' });
    expect(created.status).toBe(201);
    expect(created.body.pairingCode).toMatch(/^[A-Z0-9]{8}$/);
    const register = await stack.wa.waitForConnection({ kind: 'register', since });
    await register.enterPairingCode(created.body.pairingCode, { device: 3 });
    const connected = await stack.waitDelivered('/status', (e) => e.instanceId === 'loja-2' && e.data.status === 'connected', 'loja-2 connected');
    expect(connected.data.me).toMatchObject({ id: '5511977776666@s.whatsapp.net' });
    expect(stack.delivered('/qr', 'pairing.code').some((e) => e.instanceId === 'loja-2' && e.data.code === created.body.pairingCode)).toBe(true);
  });
});

async function authKeyCount(): Promise<number> {
  const redis = new IORedis(REDIS_URL);
  try {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${stack.prefix}:x:auth:${ID}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  } finally {
    redis.disconnect();
  }
}
