/**
 * Three whatsapp-server shards and the three workers under a real PM2 (own PM2_HOME), sandbox
 * driver, one Redis: instances spread over the shards; any shard (and the front door) answers any
 * request; kill -9 of a shard while single messages and a campaign run brings its instances back on
 * live shards within 35 s, every accepted message sent exactly once and no recipient twice; SIGTERM
 * hands a shard's instances over within 5 s. Leases use the production TTL (30 s).
 */
import IORedis from 'ioredis';
import { newMessageId } from '../../src/whatsapp/ids';
import { redisKeys } from '../../src/shared/keys';
import { REDIS_URL, sleep, waitFor } from '../helpers/env';
import { ShardStack } from '../helpers/shard-stack';

jest.setTimeout(300_000);

const stack = new ShardStack('shards-pm2', 3, { NOT_CONNECTED_DELAY_MS: 1000, NOT_CONNECTED_RETRIES: 100, MESSAGE_BACKOFF_MS: 200, ...(process.env.SHARD_DEBUG ? { LOG_LEVEL: 'info' } : {}) });
const IDS = Array.from({ length: 9 }, (_, i) => `shop-${i}`);
const accepted: Array<{ messageId: string; instanceId: string }> = [];
const timings: Record<string, number> = {};
let redis: IORedis;

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  await stack.start();
});

afterAll(async () => {
  redis?.disconnect();
  if (Object.keys(timings).length) console.log('shard timings (ms)', JSON.stringify(timings));
  await stack.stop();
});

/** instances per shard id, from the instance list */
async function byShard(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [id, p] of await stack.placement()) if (p.shard) out.set(p.shard, [...(out.get(p.shard) ?? []), id]);
  return out;
}

/**
 * true once every id is connected under a lease of another process than `dead` (the incarnation
 * of the stopped shard: PM2 restarts it under the same shard id, as a new process)
 */
async function backOnLiveShards(ids: string[], dead: string): Promise<boolean> {
  const keys = redisKeys(stack.prefix);
  const [placement, shards] = await Promise.all([stack.placement(), stack.liveShards()]);
  for (const id of ids) {
    const inc = await redis.hget(keys.lease(id), 'inc');
    const holder = shards.find((s) => s.incarnation === inc);
    if (!inc || inc === dead || !holder || placement.get(id)?.status !== 'connected') return false;
  }
  return true;
}

async function addMessage(port: number, instanceId: string, i: number): Promise<void> {
  const key = newMessageId();
  // a caller retries with the same idempotency key when the shard it asked went away
  for (let tries = 0; tries < 20; tries++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/queue/add-message`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-api-key-0123456789abcdef', 'content-type': 'application/json', 'idempotency-key': `k-${key}` },
        body: JSON.stringify({ instanceId, phone: `55119${String(7000000 + i).padStart(8, '0')}`, message: `m ${i}` }),
      });
      const body = (await r.json()) as { messageId?: string };
      if (r.status === 202 && body.messageId) return void accepted.push({ messageId: body.messageId, instanceId });
    } catch {
      /* refused: try again */
    }
    await sleep(250);
  }
  throw new Error(`add-message ${i} never accepted`);
}

describe('three shards under PM2', () => {
  it('spreads instances created through the front door over the shards (least-loaded)', async () => {
    for (const instanceId of IDS) {
      const r = await stack.call(stack.frontDoor, 'POST', '/instance/create', { instanceId });
      expect(r.status).toBe(201);
    }
    await waitFor(async () => [...(await stack.placement()).values()].every((p) => p.status === 'connected' && p.shard), { timeoutMs: 30_000, what: 'all connected' });
    const counts = [...(await byShard()).values()].map((ids) => ids.length).sort();
    expect(counts).toEqual([3, 3, 3]);
    // GET /shards: each shard's entry (refreshed every scan) says the same
    const shards = await waitFor(async () => {
      const live = await stack.liveShards();
      return live.length === 3 && live.every((s) => s.instances === 3 && s.connected === 3) ? live : undefined;
    }, { timeoutMs: 5000, what: 'GET /shards: 3 x 3' });
    expect(shards.map((s) => s.internalUrl)).toEqual([0, 1, 2].map((i) => `http://127.0.0.1:${stack.port(i)}`));
  });

  it('any shard answers any request: status and QR (forwarded to the owner), the list, add-message', async () => {
    const owner = (await stack.placement()).get('shop-0')!.shard;
    for (const port of [stack.frontDoor, stack.port(0), stack.port(1), stack.port(2)]) {
      const status = await stack.call(port, 'GET', '/instance/shop-0/status');
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ instanceId: 'shop-0', status: 'connected', shard: owner, instance: { live: true } });
      const qr = await stack.call(port, 'GET', '/instance/shop-0/qr');
      expect(qr.status).toBe(200);
      expect((await stack.call(port, 'GET', '/instances')).body.count).toBe(9);
    }
    for (let i = 0; i < 3; i++) await addMessage(stack.port(i), IDS[i], i);
    await waitFor(async () => (await stack.sendLog()).length >= 3, { timeoutMs: 20_000, what: 'three sends' });
  });

  it('POST /instance/:id/move moves one instance; a drained shard hands all of its instances over', async () => {
    const before = (await stack.placement()).get('shop-0')!.shard!;
    const target = (await stack.liveShards()).find((s) => s.shardId !== before)!.shardId;
    // asked through another shard than the owner: forwarded to the owner, which hands it over
    const moved = await stack.call(stack.port(2), 'POST', '/instance/shop-0/move', { shardId: target });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ success: true, from: before, to: target, moved: true, shard: target });
    await waitFor(async () => (await stack.placement()).get('shop-0')?.status === 'connected', { timeoutMs: 10_000, what: 'moved instance connected' });
    // drain the shard that now holds the most: it keeps nothing, the others take it all
    const shards = await stack.liveShards();
    const drained = shards.sort((a, b) => b.instances - a.instances)[0].shardId;
    expect((await stack.call(stack.frontDoor, 'POST', `/shards/${drained}/drain`)).status).toBe(202);
    await waitFor(async () => !(await byShard()).has(drained) && [...(await stack.placement()).values()].every((p) => p.status === 'connected'), { timeoutMs: 20_000, what: 'drained shard empty' });
    const listed = (await stack.call(stack.frontDoor, 'GET', '/shards')).body.shards.find((s: { shardId: string }) => s.shardId === drained);
    expect(listed).toMatchObject({ draining: true, live: true });
    // undrained, it takes instances again (a new one goes to it: it is the least loaded)
    expect((await stack.call(stack.frontDoor, 'POST', `/shards/${drained}/undrain`)).status).toBe(202);
    await sleep(1500);
    expect((await stack.call(stack.frontDoor, 'POST', '/instance/create', { instanceId: 'shop-9' })).status).toBe(201);
    await waitFor(async () => (await stack.placement()).get('shop-9')?.shard === drained, { timeoutMs: 10_000, what: 'new instance on the undrained shard' });
    IDS.push('shop-9');
  });

  it('kill -9 of a shard while messages and a campaign run: its instances are back within 35 s, each message sent once', async () => {
    const shards = await stack.liveShards();
    const victim = shards.find((s) => s.shardId.endsWith('-1'))!;
    const victimIds = (await byShard()).get(victim.shardId)!;
    expect(victimIds.length).toBeGreaterThan(0);
    const contacts = Array.from({ length: 40 }, (_, i) => `55119${String(8000000 + i).padStart(8, '0')}`);
    const camp = await stack.call(stack.port(0), 'POST', '/queue/add-broadcast', { instanceId: victimIds[0], campaignId: 'camp-kill', contacts, message: 'oferta', rateLimitMs: 300 });
    expect(camp.status).toBe(202);
    // single messages keep arriving (through shard 0's own port) before, during and after the kill
    const sending = (async () => {
      for (let i = 10; i < 70; i++) {
        await addMessage(stack.port(0), IDS[i % IDS.length], i);
        await sleep(150);
      }
    })();
    await waitFor(async () => (await stack.sendLog()).some((l) => l.instanceId === victimIds[0] && contacts.includes(l.to)), { timeoutMs: 30_000, what: 'campaign under way' });
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(() => backOnLiveShards(victimIds, victim.incarnation), { timeoutMs: 45_000, intervalMs: 200, what: 'instances back after kill -9' });
    timings.killFailoverMs = Date.now() - killedAt;
    expect(timings.killFailoverMs).toBeLessThan(35_000);
    await sending;
    const done = await waitFor(async () => {
      const s = await stack.call(stack.frontDoor, 'GET', '/broadcast-status/camp-kill');
      return s.body.status === 'completed' ? s.body : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500, what: 'campaign completed' });
    expect(done).toMatchObject({ total: 40, sent: 40, failed: 0 });
    let unsent: unknown[] = [];
    await waitFor(async () => {
      const statuses = await Promise.all(accepted.map((a) => stack.call(stack.frontDoor, 'GET', `/messages/${a.messageId}`)));
      unsent = statuses.filter((s) => !['sent', 'delivered', 'read'].includes(s.body.message?.status)).map((s) => s.body);
      return unsent.length === 0;
    }, { timeoutMs: 120_000, intervalMs: 1000, what: 'every accepted message sent' }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(unsent).slice(0, 3000)}`);
    });
    const log = await stack.sendLog();
    const singles = log.filter((l) => accepted.some((a) => a.messageId === l.messageId));
    // each accepted message went out exactly once, none lost
    expect(new Set(singles.map((l) => l.messageId)).size).toBe(accepted.length);
    expect(singles).toHaveLength(accepted.length);
    const campaign = log.filter((l) => l.instanceId === victimIds[0] && contacts.includes(l.to));
    expect(campaign).toHaveLength(40);
    expect(new Set(campaign.map((l) => l.to)).size).toBe(40);
  });

  it('SIGTERM: a shard hands its instances over within 5 s', async () => {
    const shards = await stack.liveShards();
    const victim = shards.find((s) => s.shardId.endsWith('-2'))!;
    const ids = (await byShard()).get(victim.shardId) ?? [];
    expect(ids.length).toBeGreaterThan(0);
    const t0 = Date.now();
    process.kill(victim.pid, 'SIGTERM');
    await waitFor(() => backOnLiveShards(ids, victim.incarnation), { timeoutMs: 15_000, intervalMs: 100, what: 'instances handed over' });
    timings.sigtermHandoffMs = Date.now() - t0;
    expect(timings.sigtermHandoffMs).toBeLessThan(5000);
  });
});
