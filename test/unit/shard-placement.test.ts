import { assignFree, handoffTargets, leastLoaded } from '../../src/cluster/placement';
import { shardSettings } from '../../src/cluster/settings';
import { loadConfig } from '../../src/shared/config';

const shards = (...loads: number[]) => loads.map((instances, i) => ({ shardId: `s${i}`, instances }));

describe('placement (pure)', () => {
  test('the least-loaded shard wins; ties go to the smaller id; excluded ones never', () => {
    expect(leastLoaded(shards(3, 1, 1))).toBe('s1');
    expect(leastLoaded(shards(0, 0), ['s0'])).toBe('s1');
    expect(leastLoaded([])).toBeUndefined();
  });

  test('free instances spread evenly, counting each as it is given, whatever order they come in', () => {
    const out = assignFree(['c', 'a', 'f', 'b', 'e', 'd'], shards(2, 0, 1));
    const per = (s: string) => [...out.values()].filter((x) => x === s).length;
    // 2+1, 0+3, 1+2: everyone ends with 3
    expect([per('s0'), per('s1'), per('s2')]).toEqual([1, 3, 2]);
    // every shard computing it from the same snapshot gets the same answer
    expect(assignFree(['a', 'b', 'c', 'd', 'e', 'f'], shards(2, 0, 1))).toEqual(out);
  });

  test('a hint (move, handoff) wins while its shard takes instances; otherwise load decides', () => {
    const hints = new Map([['a', 's2'], ['b', 'gone']]);
    const out = assignFree(['a', 'b'], shards(0, 0, 9), hints);
    expect(out.get('a')).toBe('s2');
    expect(out.get('b')).toBe('s0');
  });

  test('a leaving shard hands over to the others only, by load', () => {
    const out = handoffTargets(['a', 'b', 'c'], shards(3, 1, 2), 's0');
    expect([...out.values()].sort()).toEqual(['s1', 's1', 's2']);
    expect(handoffTargets(['a'], shards(1), 's0').size).toBe(0);
  });
});

describe('shard settings', () => {
  const env = (over: Record<string, string>) => loadConfig({ API_KEY: 'k'.repeat(20), INTERNAL_TOKEN: 't'.repeat(20), ...over });

  test('SERVER_SHARDS=1 (default): no sharding, SERVER_PORT, the internal URL of before', () => {
    const s = shardSettings(env({}), 'box.example.org');
    expect(s).toMatchObject({ enabled: false, port: 3001, internalUrl: 'http://127.0.0.1:3001', shardId: 'box-0' });
    expect(s.frontDoorPort).toBeUndefined();
  });

  test('SERVER_SHARDS=3: shard i on SHARD_PORT_BASE + i, advertising it; SERVER_PORT is the front door', () => {
    const s = shardSettings(env({ SERVER_SHARDS: '3', SHARD_INDEX: '2', SHARD_PORT_BASE: '4000' }), 'box');
    expect(s).toMatchObject({ enabled: true, port: 4002, frontDoorPort: 3001, internalUrl: 'http://127.0.0.1:4002', shardId: 'box-2' });
  });

  test('several hosts: SHARDING=on with one shard, a private address template and an explicit id', () => {
    const s = shardSettings(env({ SHARDING: 'on', SHARD_ID: 'vps-b', SHARD_INTERNAL_URL: 'http://10.0.0.5:{port}' }), 'box');
    expect(s).toMatchObject({ enabled: true, port: 3001, internalUrl: 'http://10.0.0.5:3001', shardId: 'vps-b' });
    expect(s.frontDoorPort).toBeUndefined();
  });

  test('refuses a renewal that is not at most half the TTL, and an index beyond the shards', () => {
    expect(() => shardSettings(env({ SHARDING: 'on', SHARD_LEASE_TTL_MS: '10000', SHARD_LEASE_RENEW_MS: '6000' }))).toThrow(/SHARD_LEASE_RENEW_MS/);
    expect(() => shardSettings(env({ SERVER_SHARDS: '2', SHARD_INDEX: '2' }))).toThrow(/SHARD_INDEX/);
  });
});
