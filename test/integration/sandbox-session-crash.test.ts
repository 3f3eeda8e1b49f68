import { requireWaAddress } from '../../src/whatsapp/address';
import type { TestEvent } from '../helpers/env';
import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, sleep, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { silentLogger } from '../../src/shared/logger';
import { createSandboxDriver } from '../../src/whatsapp/sandbox/driver';
import { SessionManager } from '../../src/whatsapp/host/session-manager';
import { newMessageId } from '../../src/whatsapp/ids';

const prefix = uniquePrefix('sandbox-crash');
const logger = silentLogger();
const clients: IORedis[] = [];
const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);

function redisClient(): IORedis {
  // Like the server's command connection: fails fast instead of queueing while disconnected.
  const client = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  clients.push(client);
  return client;
}

beforeAll(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});

afterAll(async () => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
  await Promise.all(clients.filter((c) => c.status === 'ready').map((c) => c.quit()));
  await cleanupPrefix(prefix);
});

describe('a sandbox session that crashes', () => {
  it('keeps working when every event handler throws', async () => {
    const redis = redisClient();
    await waitFor(() => redis.status === 'ready');
    const config = testConfig(prefix, { SANDBOX_LINK_DELAY_MS: 0, SANDBOX_RECEIPT_DELAY_MS: 5 });
    const driver = createSandboxDriver({ config, logger, redis });
    const seen: TestEvent[] = [];
    const session = driver.create({ instanceId: 'crash-1' }, (event) => {
      seen.push(event);
      throw new Error('handler exploded');
    });
    await session.connect();
    expect(session.snapshot().status).toBe('connected');
    const messageId = newMessageId();
    await expect(session.send(requireWaAddress('5511999990001'), { type: 'text', text: 'x' }, messageId)).resolves.toMatchObject({ waMessageId: messageId });
    await waitFor(() => seen.filter((e) => e.type === 'message.status').length === 3, { what: 'receipts despite throwing handler' });
    expect(session.snapshot().status).toBe('connected');
    await session.end();
    expect(escaped).toEqual([]);
  });

  it('turns a failure inside its own timers into status failed, not a crash', async () => {
    const redis = redisClient();
    await waitFor(() => redis.status === 'ready');
    const config = testConfig(prefix, { SANDBOX_LINK_DELAY_MS: 100 });
    const driver = createSandboxDriver({ config, logger, redis });
    const session = driver.create({ instanceId: 'crash-2' }, () => undefined);
    await session.connect();
    expect(session.snapshot().status).toBe('qr');
    redis.disconnect(); // the link step cannot store its credentials now
    await waitFor(() => session.snapshot().status === 'failed', { what: 'status failed' });
    expect(session.snapshot().lastError).toEqual(expect.any(String));
    await sleep(50);
    expect(escaped).toEqual([]);
  });

  it('the manager survives a publisher that throws', async () => {
    const redis = redisClient();
    await waitFor(() => redis.status === 'ready');
    const config = testConfig(prefix, { SANDBOX_LINK_DELAY_MS: 0 });
    const publisher = {
      publishAndWait: () => {
        throw new Error('queue exploded');
      },
    };
    const manager = new SessionManager({ config, logger, redis, driver: createSandboxDriver({ config, logger, redis }), publisher });
    const view = await manager.create({ instanceId: 'crash-3' });
    expect(view.status).toBe('connected');
    await waitFor(async () => (await manager.registry.get('crash-3'))?.status === 'connected', { what: 'registry follows despite the publisher' });
    await manager.endAll();
    expect((await manager.registry.get('crash-3'))?.status).toBe('disconnected');
    expect(escaped).toEqual([]);
  });
});
