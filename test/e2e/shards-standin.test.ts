/**
 * Two shards with the real Baileys driver against the WhatsApp Web stand-in: instances linked
 * through the front door land on both shards; a shard cut off from Redis (its TCP proxy cut: a
 * network split) closes its sockets before its leases expire, and the other shard reconnects them;
 * kill -9 of a shard moves its instances too, and SIGTERM hands them over within 5 s. Through it all, the stand-in never sees two open
 * sockets of one device (one instance) at the same time. Leases are short here (TTL 6 s).
 */
import { waitFor, sleep } from '../helpers/env';
import { ShardedBaileysStack } from '../harness/sharded-stack';

jest.setTimeout(240_000);

const stack = new ShardedBaileysStack('shards-standin', 2, { SHARD_LEASE_TTL_MS: '6000', SHARD_LEASE_RENEW_MS: '2000', SHARD_SCAN_MS: '500' });
const IDS = ['loja-a', 'loja-b', 'loja-c', 'loja-d'];
const timings: Record<string, number> = {};

beforeAll(async () => {
  await stack.start();
});

afterAll(async () => {
  console.log('stand-in shard timings (ms)', JSON.stringify(timings), 'sockets seen', stack.sockets.length);
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
});

const connectedOn = async (ids: string[], shard: string) => {
  const owners = await stack.owners(stack.port(0));
  for (const id of ids) {
    if (owners.get(id) !== shard) return false;
    if ((await stack.call(stack.port(0), 'GET', `/instance/${id}/status`)).body.status !== 'connected') return false;
  }
  return true;
};

describe('two Baileys shards against the stand-in', () => {
  it('links four instances through the front door; they spread over both shards', async () => {
    for (const [i, id] of IDS.entries()) await stack.link(stack.frontDoor, id, i + 2);
    const owners = await stack.owners(stack.frontDoor);
    const shards = new Set(owners.values());
    expect(shards.size).toBe(2);
    expect(stack.overlaps()).toEqual([]);
  });

  it('a shard cut off from Redis closes its sockets before its leases expire; the other takes them over', async () => {
    const shard1 = (await stack.call(stack.port(1), 'GET', '/health')).body.shard.id as string;
    const shard0 = (await stack.call(stack.port(0), 'GET', '/health')).body.shard.id as string;
    const owners = await stack.owners(stack.port(0));
    const moving = IDS.filter((id) => owners.get(id) === shard1);
    expect(moving.length).toBeGreaterThan(0);
    const cutAt = Date.now();
    stack.proxies[1].cut();
    await waitFor(() => connectedOn(moving, shard0), { timeoutMs: 30_000, intervalMs: 200, what: `instances of the cut-off shard on ${shard0}` });
    timings.splitFailoverMs = Date.now() - cutAt;
    expect(stack.overlaps()).toEqual([]);
    // a message to a moved instance goes out through its new shard
    const sent = await stack.call(stack.port(0), 'POST', '/queue/add-message', { instanceId: moving[0], phone: '5511988887777', message: 'depois do corte' });
    expect(sent.status).toBe(202);
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await stack.call(stack.port(0), 'GET', `/messages/${sent.body.messageId}`)).body.message?.status), { timeoutMs: 30_000, what: 'send after the split' });
    stack.proxies[1].restore();
    await waitFor(async () => (await stack.call(stack.port(1), 'GET', '/instances')).status === 200, { timeoutMs: 30_000, what: 'shard 1 back on Redis' });
  });

  it('kill -9 of the shard that holds everything: the other reconnects them, never two sockets per instance', async () => {
    const shard0 = (await stack.call(stack.port(0), 'GET', '/health')).body.shard.id as string;
    const shard1 = (await stack.call(stack.port(1), 'GET', '/health')).body.shard.id as string;
    const owners0 = await stack.owners(stack.port(1));
    const held = IDS.filter((id) => owners0.get(id) === shard0);
    expect(held.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await stack.stopShard(0, 'SIGKILL');
    await waitFor(async () => {
      const owners = await stack.owners(stack.port(1));
      if (!held.every((id) => owners.get(id) === shard1)) return false;
      for (const id of held) if ((await stack.call(stack.port(1), 'GET', `/instance/${id}/status`)).body.status !== 'connected') return false;
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'instances on the surviving shard' });
    timings.killFailoverMs = Date.now() - killedAt;
    await sleep(500);
    expect(stack.overlaps()).toEqual([]);
  });

  it('SIGTERM of a shard hands its instances to the other within 5 s, the old socket closed before the new one opens', async () => {
    await stack.startShard(0);
    const shard0 = (await stack.call(stack.port(0), 'GET', '/health')).body.shard.id as string;
    const t0 = Date.now();
    await stack.stopShard(1, 'SIGTERM');
    await waitFor(() => connectedOn(IDS, shard0), { timeoutMs: 15_000, intervalMs: 100, what: 'instances handed to shard 0' });
    timings.sigtermHandoffMs = Date.now() - t0;
    expect(timings.sigtermHandoffMs).toBeLessThan(5000);
    await sleep(500);
    expect(stack.overlaps()).toEqual([]);
  });
});
