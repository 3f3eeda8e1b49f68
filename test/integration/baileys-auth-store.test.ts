import IORedis from 'ioredis';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { hasLinkedAuthState, loadAuthStore, removeAuthState } from '../../src/whatsapp/baileys/redis-auth-store';
import { cleanupPrefix, freePort, REDIS_URL, uniquePrefix } from '../helpers/env';
import { TestRedis } from '../helpers/processes';

const prefix = uniquePrefix('auth-store');
const keys = redisKeys(prefix);
const logger = silentLogger();
let redis: IORedis;
let baileys: Baileys;

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  baileys = await loadBaileys();
});

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

async function authKeysOf(instanceId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keys.prefix}:auth:${instanceId}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

describe('Redis auth store (real Redis)', () => {
  test('creds round trip keeps Buffers; a fresh instance gets new creds', async () => {
    const store = await loadAuthStore(baileys, redis, keys, 'rt', logger);
    const { creds } = store.state;
    expect(store.linked()).toBe(false);
    creds.nextPreKeyId = 42;
    store.saveCreds();
    await store.flush();
    const stored = await redis.get(keys.authCreds('rt'));
    expect(stored).toContain('"type":"Buffer"');

    const again = await loadAuthStore(baileys, redis, keys, 'rt', logger);
    const c2 = again.state.creds;
    expect(c2.nextPreKeyId).toBe(42);
    expect(Buffer.isBuffer(c2.noiseKey.public)).toBe(true);
    expect(Buffer.from(c2.noiseKey.private).equals(Buffer.from(creds.noiseKey.private))).toBe(true);
    expect(Buffer.from(c2.signedPreKey.signature).equals(Buffer.from(creds.signedPreKey.signature))).toBe(true);
    expect(c2.advSecretKey).toBe(creds.advSecretKey);
  });

  test('signal keys: Buffers, app-state-sync-key revived as proto, null deletes, missing ids left out', async () => {
    const store = await loadAuthStore(baileys, redis, keys, 'keys', logger);
    const { keys: ks } = store.state;
    const pair = baileys.Curve.generateKeyPair();
    const appKey = baileys.proto.Message.AppStateSyncKeyData.fromObject({
      keyData: Buffer.from('app-state-key-bytes'),
      fingerprint: { rawId: 7, currentIndex: 1, deviceIndexes: [0, 1] },
      timestamp: 1700000000,
    });
    await ks.set({
      'pre-key': { '1': pair, '2': baileys.Curve.generateKeyPair() },
      session: { '5511999999999.0': Buffer.from([1, 2, 3, 250]) },
      'app-state-sync-key': { AAAA: appKey },
      'sender-key-memory': { 'group@g.us': { '5511999999999:1@s.whatsapp.net': true } },
    });

    const pre = await ks.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(pre).sort()).toEqual(['1', '2']);
    expect(Buffer.isBuffer(pre['1'].private)).toBe(true);
    expect(Buffer.from(pre['1'].public).equals(Buffer.from(pair.public))).toBe(true);

    const sessions = await ks.get('session', ['5511999999999.0']);
    expect(Buffer.from(sessions['5511999999999.0']).equals(Buffer.from([1, 2, 3, 250]))).toBe(true);

    const app = await ks.get('app-state-sync-key', ['AAAA']);
    expect(app.AAAA).toBeInstanceOf(baileys.proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(app.AAAA.keyData!).toString()).toBe('app-state-key-bytes');
    expect(app.AAAA.fingerprint?.deviceIndexes).toEqual([0, 1]);

    const mem = await ks.get('sender-key-memory', ['group@g.us']);
    expect(mem['group@g.us']).toEqual({ '5511999999999:1@s.whatsapp.net': true });

    await ks.set({ 'pre-key': { '1': null }, session: { '5511999999999.0': null } });
    expect(await redis.hexists(keys.authKeys('keys', 'pre-key'), '1')).toBe(0);
    expect(await redis.hexists(keys.authKeys('keys', 'pre-key'), '2')).toBe(1);
    expect(await ks.get('session', ['5511999999999.0'])).toEqual({});
  });

  test('set() rejects when Redis fails, so Baileys retries the commit', async () => {
    const client = new IORedis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      await new Promise((r) => client.once('ready', r));
      const store = await loadAuthStore(baileys, client, keys, 'broken', logger);
      client.disconnect();
      await expect(store.state.keys.set({ session: { a: Buffer.from([1]) } })).rejects.toThrow();
    } finally {
      client.disconnect();
    }
  });

  test('creds writes are ordered: one write in flight at a time, the last state wins', async () => {
    const client = new IORedis(REDIS_URL);
    const store = await loadAuthStore(baileys, client, keys, 'order', logger);
    let inFlight = 0;
    let maxInFlight = 0;
    let writes = 0;
    const realSet = client.set.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as { set: (...a: unknown[]) => Promise<unknown> }).set = async (...args: unknown[]) => {
      inFlight++;
      writes++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await realSet(...args);
      } finally {
        inFlight--;
      }
    };
    for (let i = 1; i <= 50; i++) {
      store.state.creds.nextPreKeyId = i;
      store.saveCreds();
      if (i % 5 === 0) await new Promise((r) => setImmediate(r)); // let writes start mid-way
    }
    await store.flush();
    const stored = JSON.parse((await redis.get(keys.authCreds('order')))!);
    expect(stored.nextPreKeyId).toBe(50);
    expect(maxInFlight).toBe(1);
    expect(writes).toBeGreaterThan(1);
    expect(writes).toBeLessThan(50); // coalesced
    client.disconnect();
  });

  test('hasLinkedAuthState needs creds.me.id and creds.account', async () => {
    expect(await hasLinkedAuthState(redis, keys, 'nobody')).toBe(false);
    const store = await loadAuthStore(baileys, redis, keys, 'linked', logger);
    store.state.creds.me = { id: '5511999999999:3@s.whatsapp.net', name: '~' };
    store.saveCreds();
    await store.flush();
    expect(await hasLinkedAuthState(redis, keys, 'linked')).toBe(false); // a pairing-code attempt sets only me
    store.state.creds.account = { details: Buffer.from([1]), accountSignature: Buffer.from([2]) };
    store.saveCreds();
    await store.flush();
    expect(await hasLinkedAuthState(redis, keys, 'linked')).toBe(true);
    expect((await loadAuthStore(baileys, redis, keys, 'linked', logger)).linked()).toBe(true);
  });

  test('removeAuthState deletes creds and every key hash, including unknown types', async () => {
    const store = await loadAuthStore(baileys, redis, keys, 'gone', logger);
    store.saveCreds();
    await store.flush();
    await store.state.keys.set({ session: { x: Buffer.from([9]) }, 'lid-mapping': { '123': '5511999999999' } });
    await redis.hset(keys.authKeys('gone', 'some-future-type'), 'k', 'v');
    const other = await loadAuthStore(baileys, redis, keys, 'gone-not', logger);
    other.saveCreds();
    await other.flush();
    expect((await authKeysOf('gone')).length).toBe(4);

    await removeAuthState(redis, keys, 'gone');
    expect(await authKeysOf('gone')).toEqual([]);
    expect(await redis.exists(keys.authCreds('gone-not'))).toBe(1);
  });

  test('a key read that timed out is asked again: Redis slow for longer than the command timeout, not away', async () => {
    // the server's connection fails a command after 2 s (shared/redis.ts); here 500 ms, and Redis
    // paused for 700 ms (CLIENT PAUSE ALL), so the first read times out and the second is answered.
    // A private redis-server: the pause must not stall the other suites sharing the machine's Redis.
    const own = new TestRedis(await freePort());
    await own.start();
    const slow = new IORedis(own.url, { commandTimeout: 500, maxRetriesPerRequest: 1 });
    const admin = new IORedis(own.url);
    try {
      const store = await loadAuthStore(baileys, slow, keys, 'slow', logger);
      await store.state.keys.set({ session: { x: Buffer.from([7]) } });
      await admin.client('PAUSE', 700, 'ALL');
      const got = await store.state.keys.get('session', ['x']);
      expect(Buffer.from(got.x as Uint8Array).equals(Buffer.from([7]))).toBe(true);
    } finally {
      slow.disconnect();
      admin.disconnect();
      await own.stop();
    }
  });

  test('after remove(), late writes of a closing socket do not re-create the auth state', async () => {
    const store = await loadAuthStore(baileys, redis, keys, 'late', logger);
    store.saveCreds();
    await store.state.keys.set({ session: { x: Buffer.from([1]) } });
    await store.remove();
    store.saveCreds();
    await store.state.keys.set({ session: { y: Buffer.from([2]) } });
    await store.flush();
    expect(await authKeysOf('late')).toEqual([]);
  });
});
