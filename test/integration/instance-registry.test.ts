import { spawn } from 'node:child_process';
import { join } from 'node:path';
import IORedis, { Redis } from 'ioredis';
import { cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { InstanceRegistry } from '../../src/whatsapp/instances/registry';
import type { InstanceRecord } from '../../src/whatsapp/types';

/**
 * The registry is written by several processes (server shards, workers): every write must be
 * atomic in Redis. The two-process test runs the compiled registry (dist/, built by npm test).
 */
const prefix = uniquePrefix('registry');
const keys = redisKeys(prefix);
const WRITER = join(__dirname, '..', 'helpers', 'registry-writer.js');
let redis: Redis;
let other: Redis;
let registry: InstanceRegistry;

const record = (instanceId: string, extra: Partial<InstanceRecord> = {}): InstanceRecord => ({ instanceId, status: 'disconnected', createdAt: 1000, updatedAt: 1000, ...extra });

function runWriter(instanceId: string, field: string, tag: string, count: number): Promise<{ lost: number; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, REDIS_URL, prefix, instanceId, field, tag, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
  });
}

/** Runs `between` right after the registry's next read of the entry: the window of a lost update. */
function afterNextRead(client: Redis, between: () => Promise<unknown>): void {
  const hget = client.hget.bind(client) as (key: string, field: string) => Promise<string | null>;
  let armed = true;
  (client as unknown as { hget: typeof hget }).hget = async (key, field) => {
    const value = await hget(key, field);
    if (armed) {
      armed = false;
      await between();
    }
    return value;
  };
}

beforeAll(() => {
  redis = new IORedis(REDIS_URL);
  other = new IORedis(REDIS_URL);
  registry = new InstanceRegistry(redis, keys);
});

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
  other.disconnect();
});

describe('InstanceRegistry across processes', () => {
  test('two processes patching different fields of one instance, interleaved: no update is lost', async () => {
    expect(await registry.insert(record('shared'))).toBe(true);
    const [a, b] = await Promise.all([runWriter('shared', 'webhookUrl', 'a', 200), runWriter('shared', 'lastError', 'b', 200)]);
    expect(a).toEqual({ lost: 0, last: 'a-199' });
    expect(b).toEqual({ lost: 0, last: 'b-199' });
    const final = await registry.require('shared');
    expect(final).toMatchObject({ instanceId: 'shared', status: 'disconnected', createdAt: 1000, webhookUrl: 'a-199', lastError: 'b-199' });
    expect(final.updatedAt).toBeGreaterThan(1000);
  }, 60_000);

  test('another writer between our read and our write: we merge into its value instead of overwriting it', async () => {
    await registry.insert(record('cas'));
    const otherRegistry = new InstanceRegistry(other, keys);
    afterNextRead(redis, () => otherRegistry.patch('cas', { lastError: 'from the other process' }));
    const written = await registry.patch('cas', { webhookUrl: 'https://crm.example/hook' });
    expect(written).toMatchObject({ webhookUrl: 'https://crm.example/hook', lastError: 'from the other process' });
    expect(await registry.get('cas')).toEqual(written);
  });

  test('a patch racing a remove never brings the entry back', async () => {
    await registry.insert(record('gone'));
    afterNextRead(redis, () => new InstanceRegistry(other, keys).remove('gone'));
    expect(await registry.patch('gone', { status: 'connected' })).toBeUndefined();
    expect(await redis.hexists(keys.instances, 'gone')).toBe(0);

    // and with no hook, many patches against one remove: whatever order they land in, it stays gone
    for (let round = 0; round < 20; round++) {
      const id = `gone-${round}`;
      await registry.insert(record(id));
      const patches = Array.from({ length: 10 }, (_, i) => registry.patch(id, { lastError: `e${i}` }));
      const [removed] = await Promise.all([new InstanceRegistry(other, keys).remove(id), ...patches]);
      expect(removed).toBe(true);
      expect(await registry.get(id)).toBeUndefined();
    }
  });

  test('a field patched to undefined is deleted; instanceId and createdAt stay; updatedAt is now', async () => {
    await registry.insert(record('fields', { lastError: 'boom', webhookUrl: 'https://crm.example/a', settings: { minGapMs: 100 } }));
    const before = Date.now();
    const written = await registry.patch('fields', { lastError: undefined, status: 'connected' });
    const stored = JSON.parse((await redis.hget(keys.instances, 'fields'))!);
    expect(stored).toEqual(written);
    expect('lastError' in stored).toBe(false);
    expect(stored).toMatchObject({ instanceId: 'fields', createdAt: 1000, status: 'connected', webhookUrl: 'https://crm.example/a', settings: { minGapMs: 100 } });
    expect(stored.updatedAt).toBeGreaterThanOrEqual(before);
  });

  test('insert does not double-create; patch and remove of a missing entry do nothing', async () => {
    expect(await registry.insert(record('once'))).toBe(true);
    expect(await registry.insert(record('once', { status: 'connected' }))).toBe(false);
    expect((await registry.require('once')).status).toBe('disconnected');
    expect(await registry.patch('never', { status: 'connected' })).toBeUndefined();
    expect(await registry.remove('never')).toBe(false);
    expect(await redis.hexists(keys.instances, 'never')).toBe(0);
    expect(await registry.remove('once')).toBe(true);
    await expect(registry.require('once')).rejects.toMatchObject({ code: 'instance_not_found' });
  });
});
