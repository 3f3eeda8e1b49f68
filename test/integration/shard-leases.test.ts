/**
 * Fenced Redis leases (src/cluster/): claims, epochs, renewals, losses, and the writes that check
 * the epoch (Baileys auth state, the send ledger), against a real Redis. A TCP proxy in front of
 * Redis plays the network split: the cut-off shard must close its socket before its lease can
 * expire, and the other shard can claim only after it did.
 */
import IORedis from 'ioredis';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { RedisOwnership } from '../../src/cluster/redis-ownership';
import { FencedWriter } from '../../src/whatsapp/host/fence';
import { SendLedger } from '../../src/whatsapp/send-ledger';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { loadAuthStore } from '../../src/whatsapp/baileys/redis-auth-store';
import { AppError } from '../../src/shared/errors';
import { cleanupPrefix, REDIS_URL, sleep, uniquePrefix, waitFor } from '../helpers/env';
import { TcpProxy } from '../helpers/tcp-proxy';

jest.setTimeout(30_000);

const prefix = uniquePrefix('shard-leases');
const keys = redisKeys(prefix);
const logger = silentLogger();
const conns: IORedis[] = [];
const owners: RedisOwnership[] = [];
let redis: IORedis;
let baileys: Baileys;

function connect(port?: number): IORedis {
  const c = port ? new IORedis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500, retryStrategy: () => 100 }) : new IORedis(REDIS_URL);
  c.on('error', () => undefined);
  conns.push(c);
  return c;
}

function shard(id: string, opts: { ttlMs?: number; renewMs?: number; conn?: IORedis } = {}): RedisOwnership {
  const o = new RedisOwnership({ redis: opts.conn ?? redis, keys, logger, shardId: id, incarnation: `${id}-${Math.random()}`, internalUrl: `http://127.0.0.1:1/${id}`, ttlMs: opts.ttlMs ?? 30_000, renewMs: opts.renewMs ?? 10_000 });
  owners.push(o);
  return o;
}

const holder = () => {
  const h = {
    ended: 0,
    endedAt: 0,
    end: async () => {
      h.ended++;
      h.endedAt = Date.now();
    },
  };
  return h;
};

beforeAll(async () => {
  redis = connect();
  baileys = await loadBaileys();
});

afterAll(async () => {
  for (const o of owners) o.stop();
  await cleanupPrefix(prefix);
  for (const c of conns) c.disconnect();
});

describe('RedisOwnership', () => {
  test('one shard at a time: a held lease answers not_owner with the holder; the epoch grows with each claim', async () => {
    const a = shard('a');
    const b = shard('b');
    const la = await a.claim('i1', holder());
    expect(la.epoch).toBe(1);
    expect(la.fence).toEqual({ epochKey: keys.leaseEpoch('i1'), epoch: 1 });
    expect(await b.owner('i1')).toEqual({ shardId: 'a', internalUrl: 'http://127.0.0.1:1/a' });
    const refused = await b.claim('i1', holder()).catch((e: AppError) => e);
    expect(refused).toMatchObject({ code: 'not_owner', status: 421, details: { shardId: 'a' } });
    expect((refused as AppError).retryAfterMs).toBeGreaterThan(20_000);
    // the same process claiming again (a restart here) gets a new epoch: the old one is fenced
    const again = await a.claim('i1', holder());
    expect(again.epoch).toBe(2);
    expect(await la.renew()).toBe(false);
    await again.release(true);
    expect(await a.owner('i1')).toBeUndefined();
    const lb = await b.claim('i1', holder());
    expect(lb.epoch).toBe(3);
    expect(await redis.zscore(keys.leases, 'i1')).not.toBeNull();
    await lb.release(false);
    expect(await redis.zscore(keys.leases, 'i1')).toBeNull();
  });

  test('a restarted shard (same id, new process) waits for its old lease like anyone else', async () => {
    const old = shard('s1');
    await old.claim('i2', holder());
    const restarted = shard('s1');
    await expect(restarted.claim('i2', holder())).rejects.toMatchObject({ code: 'not_owner' });
  });

  test('a lease that expired and was claimed elsewhere is lost at the next renewal: its holder is ended', async () => {
    const a = shard('a2', { ttlMs: 1000, renewMs: 400 });
    const h = holder();
    const lease = await a.claim('i3', h);
    // shard a freezes (no renewals); its lease expires; b claims
    await sleep(1100);
    const b = shard('b2');
    const lb = await b.claim('i3', holder());
    expect(lb.epoch).toBe(lease.epoch + 1);
    a.start();
    await waitFor(() => h.ended === 1, { timeoutMs: 3000, what: 'stale holder ended' });
    expect(a.stats()).toMatchObject({ held: 0, lost: 1 });
    expect(await b.owner('i3')).toMatchObject({ shardId: 'b2' });
  });

  test('a lease renewed in time lives on (TTL 1 s, renewed every 300 ms)', async () => {
    const a = shard('a3', { ttlMs: 1000, renewMs: 300 });
    const h = holder();
    await a.claim('i4', h);
    a.start();
    await sleep(2500);
    expect(h.ended).toBe(0);
    expect(await a.owner('i4')).toMatchObject({ shardId: 'a3' });
    a.stop();
  });

  test('cut off from Redis, a shard ends its holder before the lease can expire; the other claims only after', async () => {
    const url = new URL(REDIS_URL);
    const proxy = await new TcpProxy(url.hostname, Number(url.port || 6379)).start();
    try {
      const conn = connect(proxy.port);
      await waitFor(() => conn.status === 'ready', { what: 'proxied connection ready' });
      const a = shard('split-a', { ttlMs: 3000, renewMs: 1000, conn });
      const h = holder();
      await a.claim('i5', h);
      a.start();
      await sleep(1200);
      proxy.cut();
      const cutAt = Date.now();
      const b = shard('split-b');
      // b keeps trying: every claim is refused until the lease expires in Redis
      let claimedAt = 0;
      while (!claimedAt && Date.now() - cutAt < 6000) {
        try {
          await b.claim('i5', holder());
          claimedAt = Date.now();
        } catch {
          await sleep(50);
        }
      }
      expect(claimedAt).toBeGreaterThan(0);
      expect(h.ended).toBe(1);
      // never two: a let go before b could take it
      expect(h.endedAt).toBeLessThan(claimedAt);
      expect(a.stats()).toMatchObject({ lost: 1, held: 0 });
      a.stop();
    } finally {
      await proxy.stop();
    }
  });
});

describe('the write fence', () => {
  test('a fenced write lands only while the epoch is the instance\'s current one', async () => {
    const a = shard('fa');
    const la = await a.claim('f1', holder());
    const w = new FencedWriter(redis, la.fence!);
    expect(await w.set(`${keys.prefix}:test:f1`, 'one')).toBe(true);
    expect(await w.hashOps([{ key: `${keys.prefix}:test:h1`, put: { x: '1', y: '2' }, del: ['z'] }])).toBe(true);
    expect(await redis.hgetall(`${keys.prefix}:test:h1`)).toEqual({ x: '1', y: '2' });
    await la.release(true);
    // released but nobody claimed: the last writes of our own closing socket still land
    expect(await w.set(`${keys.prefix}:test:f1`, 'two')).toBe(true);
    await shard('fb').claim('f1', holder());
    expect(await w.set(`${keys.prefix}:test:f1`, 'three')).toBe(false);
    expect(await w.hashOps([{ key: `${keys.prefix}:test:h1`, put: { x: 'stale' } }])).toBe(false);
    expect(await redis.get(`${keys.prefix}:test:f1`)).toBe('two');
    expect(await redis.hget(`${keys.prefix}:test:h1`, 'x')).toBe('1');
  });

  test('thousands of keys in one fenced write (a pre-key upload) land whole', async () => {
    const la = await shard('fbig').claim('f2', holder());
    const put: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) put[String(i)] = `v${i}`;
    expect(await new FencedWriter(redis, la.fence!).hashOps([{ key: `${keys.prefix}:test:big`, put }])).toBe(true);
    expect(await redis.hlen(`${keys.prefix}:test:big`)).toBe(5000);
  });

  test('Baileys auth state with a fence: a stale session writes nothing after another shard claimed', async () => {
    const a = shard('auth-a');
    const la = await a.claim('auth1', holder());
    const store = await loadAuthStore(baileys, redis, keys, 'auth1', logger, la.fence!.epoch);
    await store.state.keys.set({ 'pre-key': { '1': { public: Buffer.from('a'), private: Buffer.from('b') } } });
    store.saveCreds();
    await store.flush();
    expect(await redis.hexists(keys.authKeys('auth1', 'pre-key'), '1')).toBe(1);
    const credsBefore = await redis.get(keys.authCreds('auth1'));
    expect(credsBefore).toBeTruthy();
    await redis.del(keys.lease('auth1')); // as its expiry would
    await shard('auth-b').claim('auth1', holder());
    await store.state.keys.set({ 'pre-key': { '2': { public: Buffer.from('c'), private: Buffer.from('d') } }, session: { x: Buffer.from('s') } });
    store.state.creds.nextPreKeyId = 999;
    store.saveCreds();
    await store.flush();
    expect(await redis.hexists(keys.authKeys('auth1', 'pre-key'), '2')).toBe(0);
    expect(await redis.exists(keys.authKeys('auth1', 'session'))).toBe(0);
    expect(await redis.get(keys.authCreds('auth1'))).toBe(credsBefore);
  });
});

describe('the send ledger with a fence', () => {
  const ledger = () => new SendLedger(redis, keys, logger, { ttlSeconds: 60, waitMs: 300 });
  const result = (id: string) => ({ waMessageId: id, jid: '5511999999999@s.whatsapp.net', timestamp: 1 });

  test('the owner sends once; a shard that does not hold the instance answers not_owner, or the first result', async () => {
    const la = await shard('la').claim('l1', holder());
    let sends = 0;
    const send = async () => {
      sends++;
      return result('M1AAAAAAAAAA');
    };
    expect(await ledger().once('l1', 'M1AAAAAAAAAA', send, la.fence)).toMatchObject({ duplicate: false });
    const stranger = { epochKey: keys.leaseEpoch('l1'), epoch: 0 };
    expect(await ledger().once('l1', 'M1AAAAAAAAAA', send, stranger)).toMatchObject({ duplicate: true });
    await expect(ledger().once('l1', 'M2AAAAAAAAAA', send, stranger)).rejects.toMatchObject({ code: 'not_owner' });
    expect(sends).toBe(1);
  });

  test('a pending send of an earlier owner (its shard died mid-send) is taken over by the new owner', async () => {
    const first = await shard('dead').claim('l2', holder());
    // the dead shard wrote its pending marker and never finished
    const hung = ledger().once('l2', 'M3AAAAAAAAAA', () => new Promise(() => undefined), first.fence);
    void hung.catch(() => undefined);
    await sleep(50);
    const same = await ledger().once('l2', 'M3AAAAAAAAAA', async () => result('x'), first.fence).catch((e: AppError) => e);
    expect(same).toMatchObject({ code: 'transient', details: { inProgress: true } });
    // its lease expired; another shard claimed (a new epoch) and retries the same message id
    await redis.del(keys.lease('l2'));
    const next = await shard('alive').claim('l2', holder());
    let sends = 0;
    const out = await ledger().once('l2', 'M3AAAAAAAAAA', async () => {
      sends++;
      return result('M3AAAAAAAAAA');
    }, next.fence);
    expect(out).toMatchObject({ duplicate: false });
    expect(sends).toBe(1);
  });
});
