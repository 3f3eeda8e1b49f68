import type { TestEvent } from '../helpers/env';
import { createServer, Server } from 'node:net';
import IORedis from 'ioredis';
import { silentLogger } from '../../src/shared/logger';
import { createBaileysDriver } from '../../src/whatsapp/baileys/baileys-driver';
import { cleanupPrefix, freePort, REDIS_URL, sleep, testConfig, uniquePrefix, waitFor } from '../helpers/env';

/**
 * The real makeWASocket (no fake) with our socket options, pointed by WA_WEBSOCKET_URL at a local
 * endpoint that accepts TCP connections and drops them: Baileys reports a 408 WebSocket error,
 * the session reconnects with backoff, and end() stops it for good.
 */
const prefix = uniquePrefix('baileys-real');
let redis: IORedis;
let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  port = await freePort();
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await cleanupPrefix(prefix);
  redis.disconnect();
});

test('real Baileys socket: dropped connections -> reconnecting with backoff; end() stops for good', async () => {
  const config = testConfig(prefix, {
    WHATSAPP_DRIVER: 'baileys',
    WA_VERSION_FETCH_TIMEOUT_MS: 0,
    WA_VERSION: '2.3000.1234567890',
    WA_RECONNECT_BASE_MS: 30,
    WA_RECONNECT_MAX_MS: 60,
    WA_LOOP_MAX_CLOSES: 1000,
    WA_LOG_LEVEL: 'silent',
    WA_WEBSOCKET_URL: `ws://127.0.0.1:${port}/ws/chat`,
  });
  const driver = createBaileysDriver({ config, logger: silentLogger(), redis });
  const events: TestEvent[] = [];
  const session = driver.create({ instanceId: 'real-1' }, (e) => events.push(e));
  await session.connect();
  await waitFor(() => connections >= 3, { what: 'three connection attempts' });
  expect(events.map((e) => e.data.status)).toEqual(['connecting', 'reconnecting']);
  expect(events[1].data).toMatchObject({ reason: 'connection_error', code: 408 });
  expect(String(events[1].data.message)).toContain('WebSocket Error');

  await session.end();
  expect(session.snapshot().status).toBe('disconnected');
  expect(driver.socketCount()).toBe(0);
  // A TCP connect already on the wire when end() ran may still be accepted; count from after it.
  await sleep(100);
  const after = connections;
  await sleep(300); // several backoff periods
  expect(connections).toBe(after);
  // the fresh (unlinked) creds were never linked: nothing restorable
  expect(await driver.hasLinkedAuthState('real-1')).toBe(false);
});
