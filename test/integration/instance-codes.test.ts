import { createServer, Server } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';

jest.setTimeout(60_000);

/** A winston logger that keeps every line (the server logs each reconnect attempt). */
function recordingLogger(lines: Array<Record<string, unknown>>): winston.Logger {
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
}

async function call(port: number, path: string, init: RequestInit = {}, key: string | null = TEST_SECRETS.API_KEY) {
  const headers: Record<string, string> = { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
  const type = res.headers.get('content-type') ?? '';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const body: any = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, type, body };
}

describe('WhatsApp unreachable (real Baileys, a WebSocket endpoint that drops every connection)', () => {
  const prefix = uniquePrefix('codes-baileys');
  const lines: Array<Record<string, unknown>> = [];
  let tcp: Server;
  let server: StartedServer;
  let port: number;

  beforeAll(async () => {
    const waPort = await freePort();
    tcp = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => tcp.listen(waPort, '127.0.0.1', r));
    port = await freePort();
    const config = testConfig(prefix, {
      SERVER_PORT: port,
      WHATSAPP_DRIVER: 'baileys',
      WA_VERSION_FETCH_TIMEOUT_MS: 0,
      WA_VERSION: '2.3000.1234567890',
      WA_RECONNECT_BASE_MS: 200,
      WA_RECONNECT_MAX_MS: 400,
      WA_LOOP_MAX_CLOSES: 1000,
      WA_LOG_LEVEL: 'silent',
      WA_WEBSOCKET_URL: `ws://127.0.0.1:${waPort}/ws/chat`,
      PAIRING_CODE_WAIT_MS: 1000,
    });
    server = await startServer(config, recordingLogger(lines));
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((r) => tcp.close(r));
    await cleanupPrefix(prefix);
  });

  it('logs every reconnect attempt with the instance, the reason and the next try', async () => {
    expect((await call(port, '/instance/create', { method: 'POST', body: JSON.stringify({ instanceId: 'offline-qr' }) })).status).toBe(201);
    const attempts = await waitFor(() => {
      const found = lines.filter((l) => l.message === 'whatsapp reconnecting' && l.instanceId === 'offline-qr');
      return found.length >= 2 ? found : undefined;
    }, { what: 'two reconnect log lines' });
    expect(attempts[0]).toMatchObject({ level: 'warn', instanceId: 'offline-qr', reason: 'connection_error', code: 408, nextTryInMs: expect.any(Number), nextTryAt: expect.any(String) });
    expect(attempts[1].attempt).toBeGreaterThan(attempts[0].attempt as number);
  });

  it('the QR answers say why there is no code', async () => {
    const qr = await call(port, '/instance/offline-qr/qr');
    expect(qr.body).toMatchObject({ status: 'reconnecting', qr: null, noCodeReason: expect.stringMatching(/WhatsApp cannot be reached now \(connection_error \(408\)/) });
    const png = await call(port, '/instance/offline-qr/qr?format=png');
    expect(png.status).toBe(404);
    expect(png.body.error.message).toMatch(/no QR code now: WhatsApp cannot be reached now/);
  });

  it('a pairing-code create that gets no code says why', async () => {
    const created = await call(port, '/instance/create', { method: 'POST', body: JSON.stringify({ instanceId: 'offline-pair', phone: '5511999990001' }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ pairingCode: null, noCodeReason: expect.stringMatching(/WhatsApp cannot be reached now|still connecting to WhatsApp/) });
  });
});

describe('the QR image in a browser', () => {
  const prefix = uniquePrefix('codes-sandbox');
  let server: StartedServer;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    server = await startServer(testConfig(prefix, { SERVER_PORT: port, SANDBOX_LINK_DELAY_MS: 60_000 }), silentLogger());
    await call(port, '/instance/create', { method: 'POST', body: JSON.stringify({ instanceId: 'shop-qr' }) });
  });

  afterAll(async () => {
    await server?.close();
    await cleanupPrefix(prefix);
  });

  it('opens with ?apikey= (a tab or an <img> cannot send a header), only on the QR route', async () => {
    const png = await call(port, `/instance/shop-qr/qr?format=png&apikey=${TEST_SECRETS.API_KEY}`, {}, null);
    expect({ status: png.status, type: png.type }).toEqual({ status: 200, type: 'image/png' });
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    expect((await call(port, '/instance/shop-qr/qr?format=png&apikey=wrong-key-0123456789', {}, null)).status).toBe(401);
    expect((await call(port, `/instances?apikey=${TEST_SECRETS.API_KEY}`, {}, null)).status).toBe(401);
  });
});
