/**
 * Drills of the cluster: whatsapp-server as three shards (kill -9 and SIGTERM of shards under
 * load), and Redis behind Sentinel (the master SIGKILLed under load). Same load and accounting as
 * every drill (run.js); these add the failover times they measured.
 */
const { waitFor, sleep } = require('./stack');

/** instance -> lease incarnation (the process holding it), read from Redis */
async function holders(stack, ids) {
  const out = new Map();
  for (const id of ids) out.set(id, (await stack.redisCli('HGET', `${stack.prefix}:x:lease:${id}`, 'inc')).trim());
  return out;
}

/** the instances a shard's process holds now (by its advertised internal URL) */
async function heldBy(stack, port, ids) {
  const out = [];
  for (const id of ids) if ((await stack.redisCli('HGET', `${stack.prefix}:x:lease:${id}`, 'url')).trim() === `http://127.0.0.1:${port}`) out.push(id);
  return out;
}

async function connected(stack, ids) {
  for (const id of ids) if ((await stack.call('GET', `/instance/${id}/status`)).body?.status !== 'connected') return false;
  return true;
}

/** one shard stopped with `signal`; resolves with the ms until its instances run under other processes */
async function stopShard(stack, index, signal, ids) {
  const name = index ? `whatsapp-server-${index}` : 'whatsapp-server';
  const mine = await heldBy(stack, stack.ports.shardBase + index, ids);
  if (!mine.length) return undefined;
  const dead = (await holders(stack, mine)).get(mine[0]);
  const before = (await stack.pids())[name].pid;
  const t0 = Date.now();
  process.kill(before, signal);
  await waitFor(async () => {
    const now = await holders(stack, mine);
    return mine.every((id) => now.get(id) && now.get(id) !== dead) && (await connected(stack, mine));
  }, { timeoutMs: 90_000, intervalMs: 100, what: `instances of ${name} back after ${signal}` });
  const ms = Date.now() - t0;
  // PM2 brings the shard back (a new process); the next round waits for it
  await waitFor(async () => (await stack.pids())[name].pid !== before && (await stack.healthy(name)), { timeoutMs: 60_000, what: `${name} restarted` });
  return { shard: name, instances: mine.length, ms };
}

const INSTANCES = ['inst-1', 'inst-2', 'inst-3', 'camp-1', 'camp-2'];

const clusterDrills = {
  /** kill -9 of a shard three times and SIGTERM three times, round robin, under load */
  async 'shard-kill'(stack, log) {
    const rounds = { kill: [], sigterm: [] };
    await sleep(5000);
    for (let round = 0; round < 6; round++) {
      const signal = round % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      for (let tries = 0; tries < 3; tries++) {
        const r = await stopShard(stack, (round + tries) % 3, signal, INSTANCES);
        if (!r) continue;
        rounds[signal === 'SIGKILL' ? 'kill' : 'sigterm'].push(r);
        log(`${signal} ${r.shard}: ${r.instances} instances back in ${r.ms} ms`);
        break;
      }
      await sleep(3000);
    }
    return rounds;
  },

  /** the Redis master SIGKILLed under load; the sentinels promote the replica */
  async 'sentinel-failover'(stack, log) {
    await sleep(10_000);
    const f = await stack.sentinels.killMaster();
    log(`master ${f.old} killed; ${f.master} promoted after ${f.promotedMs} ms (replica ${f.lagBytes ?? '?'} bytes behind)`);
    const t0 = Date.now();
    await stack.waitHealthy(60_000);
    const healthyMs = Date.now() - t0;
    stack.ports.redis = f.master; // redis-cli of the drill follows too
    await stack.sentinels.restartOld(f.old);
    log('old master back as a replica');
    await sleep(15_000);
    return { promotedMs: f.promotedMs, healthyAfterPromotionMs: healthyMs, replicaLagBytesAtKill: f.lagBytes };
  },
};

/** how each drill's stack is built (Stack's mode) */
const clusterModes = { 'shard-kill': { shards: 3 }, 'sentinel-failover': { sentinel: true } };

module.exports = { clusterDrills, clusterModes };
