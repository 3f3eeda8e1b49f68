import { LocalOwnership } from '../../src/whatsapp/host/local-ownership';
import type { LeaseHolder } from '../../src/whatsapp/host/ownership';

const quiet = { warn: () => undefined };
const URL = 'http://127.0.0.1:3001';

function holder(): LeaseHolder & { ended: number } {
  const h = { ended: 0, end: async () => void h.ended++ };
  return h;
}

describe('LocalOwnership (the in-process InstanceOwnership)', () => {
  test('a claim by a second holder ends the first one first; the first lease goes stale', async () => {
    const own = new LocalOwnership({ logger: quiet, internalUrl: URL });
    const a = holder();
    const b = holder();
    const leaseA = await own.claim('i1', a);
    expect(await own.owner('i1')).toEqual({ shardId: 'local', internalUrl: URL });
    const leaseB = await own.claim('i1', b);
    expect(a.ended).toBe(1);
    expect(b.ended).toBe(0);
    expect(await leaseA.renew()).toBe(false);
    expect(await leaseB.renew()).toBe(true);
    expect(own.size).toBe(1);
  });

  test('the epoch grows with every claim of an instance, and is per instance', async () => {
    const own = new LocalOwnership({ logger: quiet, internalUrl: URL });
    const a = holder();
    const epochs = [];
    for (let i = 0; i < 3; i++) {
      const lease = await own.claim('i1', i % 2 ? holder() : a);
      epochs.push(lease.epoch);
      await lease.release();
    }
    expect(epochs).toEqual([1, 2, 3]);
    expect((await own.claim('i2', a)).epoch).toBe(1);
  });

  test('release by a stale holder does nothing; release by the current one frees the instance', async () => {
    const own = new LocalOwnership({ logger: quiet, internalUrl: URL, shardId: 'shard-7' });
    const stale = await own.claim('i1', holder());
    const current = await own.claim('i1', holder());
    await stale.release();
    expect(await current.renew()).toBe(true);
    expect(await own.owner('i1')).toEqual({ shardId: 'shard-7', internalUrl: URL });
    await current.release();
    expect(await own.owner('i1')).toBeUndefined();
    expect(await current.renew()).toBe(false);
    expect(own.size).toBe(0);
  });

  test('the same holder claiming again (a reconnect) does not end itself', async () => {
    const own = new LocalOwnership({ logger: quiet, internalUrl: URL });
    const a = holder();
    const first = await own.claim('i1', a);
    const second = await own.claim('i1', a);
    expect(a.ended).toBe(0);
    expect(second.epoch).toBe(first.epoch + 1);
    expect(await first.renew()).toBe(false);
    expect(await own.owner('i1')).toBeDefined();
  });
});
