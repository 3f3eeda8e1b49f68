#!/usr/bin/env node
/**
 * Shards: sends per second through 1, 2 and 4 whatsapp-server shards at the same load, RSS per
 * shard, and failover times (kill -9 and SIGTERM) over RUNS runs. The compiled processes (dist/)
 * run as PM2 would run them (own process each, 'ready' over IPC), sandbox driver, one Redis, a
 * throwaway prefix. Needs `npm run build`.
 *
 *   node bench/shards.js throughput            # SHARDS=1,2,4 INSTANCES=24 MESSAGES=3000
 *   node bench/shards.js failover              # 3 shards, 9 instances, RUNS=20, SHARD_LEASE_TTL_MS as set (30000)
 *   BENCH_APPEND=1 node bench/shards.js ...    # also append the result to BENCHMARKS.md ("Shards")
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const IORedis = require('ioredis');
const { REDIS_URL, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildrenOnSignal, request, rssMb, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const server = requireBuild('apps/whatsapp-server/main.js');
const worker = requireBuild('apps/message-worker/main.js');
killChildrenOnSignal();

async function consecutivePorts(n) {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve) => {
      const s = require('node:net').createServer().once('error', () => resolve(false)).listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return base;
  }
}

/** n shards and one message-worker on a fresh prefix */
async function cluster(n, extra = {}) {
  const prefix = `bench-shards-${randomBytes(3).toString('hex')}`;
  const front = await freePort();
  const base = await consecutivePorts(n);
  const logFile = path.join(os.tmpdir(), `${prefix}.jsonl`);
  const env = serverEnv(prefix, front, { SERVER_SHARDS: String(n), SHARD_PORT_BASE: String(base), SANDBOX_LATENCY_MS: '5', SANDBOX_LOG_FILE: logFile, PACING_MIN_GAP_MS: '0', PACING_JITTER_MS: '0', RESTORE_JITTER_MS: '0', MESSAGE_WORKER_PORT: String(await freePort()), MESSAGE_CONCURRENCY: '50', CRON_HEARTBEAT: 'off', MESSAGE_LOG: 'off', NOT_CONNECTED_DELAY_MS: '500', NOT_CONNECTED_RETRIES: '200', ...extra });
  const shardEnv = (i) => ({ ...env, SHARD_INDEX: String(i) });
  const shards = [];
  for (let i = 0; i < n; i++) shards.push(await startReady(server, shardEnv(i)));
  const w = await startReady(worker, env);
  return {
    prefix, front, base, logFile, shards, worker: w,
    restart: async (i) => (shards[i] = await startReady(server, shardEnv(i))),
    sent: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length : 0),
    async stop() {
      await Promise.all([...shards, w].map(stopChild));
      await cleanupPrefix(prefix);
      fs.rmSync(logFile, { force: true });
    },
  };
}

async function createAll(c, ids) {
  for (const id of ids) {
    const r = await request(c.front, 'POST', '/instance/create', { instanceId: id });
    if (r.status !== 201) throw new Error(`create ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  for (;;) {
    const list = (await request(c.front, 'GET', '/instances')).body.instances;
    // one shard is SERVER_SHARDS=1: the single server of before, with no shard field
    if (list.every((i) => i.status === 'connected' && (i.shard || c.shards.length === 1))) return list;
    await sleep(200);
  }
}

async function throughput() {
  const sizes = (process.env.SHARDS ?? '1,2,4').split(',').map(Number);
  const instances = Number(process.env.INSTANCES ?? 24);
  const messages = Number(process.env.MESSAGES ?? 3000);
  const rows = [];
  for (const n of sizes) {
    const c = await cluster(n);
    try {
      await createAll(c, Array.from({ length: instances }, (_, i) => `b-${i}`));
      const idle = c.shards.map((s) => Math.round(rssMb(s.pid)));
      const t0 = Date.now();
      let next = 0;
      // the same load for every size: MESSAGES add-messages through the front door, 50 at a time
      await Promise.all(Array.from({ length: 50 }, async () => {
        while (next < messages) {
          const i = next++;
          const r = await request(c.front, 'POST', '/queue/add-message', { instanceId: `b-${i % instances}`, phone: `55119${String(1000000 + i).padStart(8, '0')}`, message: `m${i}` });
          if (r.status !== 202) throw new Error(`add-message ${r.status}`);
        }
      }));
      const acceptedMs = Date.now() - t0;
      while (c.sent() < messages) await sleep(100);
      const ms = Date.now() - t0;
      const loaded = c.shards.map((s) => Math.round(rssMb(s.pid)));
      rows.push({ shards: n, messages, acceptedPerS: Math.round((messages * 1000) / acceptedMs), sentPerS: Math.round((messages * 1000) / ms), seconds: ms / 1000, rssIdleMb: idle, rssAfterMb: loaded, workerRssMb: Math.round(rssMb(c.worker.pid)) });
      console.error(JSON.stringify(rows[rows.length - 1]));
    } finally {
      await c.stop();
    }
  }
  return rows;
}

/** instances held by a shard id -> (lease incarnation) */
async function leases(redis, prefix, ids) {
  const out = new Map();
  for (const id of ids) out.set(id, await redis.hgetall(`${prefix}:x:lease:${id}`));
  return out;
}

async function failover() {
  const runs = Number(process.env.RUNS ?? 20);
  const c = await cluster(3, { SHARD_LEASE_TTL_MS: process.env.SHARD_LEASE_TTL_MS ?? '30000', SHARD_LEASE_RENEW_MS: process.env.SHARD_LEASE_RENEW_MS ?? '10000' });
  const redis = new IORedis(REDIS_URL);
  const ids = Array.from({ length: 9 }, (_, i) => `f-${i}`);
  const times = { kill: [], sigterm: [] };
  try {
    await createAll(c, ids);
    for (let run = 0; run < runs * 2; run++) {
      const how = run % 2 === 0 ? 'sigterm' : 'kill';
      const held = await leases(redis, c.prefix, ids);
      const i = run % 3;
      const victim = c.shards[i];
      const mine = ids.filter((id) => held.get(id).url === `http://127.0.0.1:${c.base + i}`);
      if (!mine.length) {
        await c.restart(i).catch(() => undefined);
        continue;
      }
      const dead = held.get(mine[0]).inc;
      const t0 = Date.now();
      victim.kill(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
      for (;;) {
        const now = await leases(redis, c.prefix, mine);
        const statuses = (await request(c.base + ((i + 1) % 3), 'GET', '/instances')).body.instances;
        if (mine.every((id) => now.get(id).inc && now.get(id).inc !== dead && statuses.find((s) => s.instanceId === id)?.status === 'connected')) break;
        await sleep(50);
      }
      times[how].push(Date.now() - t0);
      console.error(`${how} run ${times[how].length}: ${times[how][times[how].length - 1]} ms (${mine.length} instances)`);
      await new Promise((r) => (victim.exitCode === null && victim.signalCode === null ? victim.once('exit', r) : r()));
      await c.restart(i);
    }
  } finally {
    redis.disconnect();
    await c.stop();
  }
  const stats = (a) => (a.length ? { runs: a.length, min: Math.min(...a), median: a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)], max: Math.max(...a) } : {});
  return { ttlMs: Number(process.env.SHARD_LEASE_TTL_MS ?? 30000), kill: stats(times.kill), sigterm: stats(times.sigterm) };
}

(async () => {
  const mode = process.argv[2] ?? 'throughput';
  const result = mode === 'failover' ? await failover() : await throughput();
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_APPEND) {
    const when = new Date().toISOString().slice(0, 10);
    updateBenchmarks((t) => appendToSection(t, 'Shards', `\n### ${when}: ${mode}, ${os.cpus().length} cores, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n\`\`\`json\n${JSON.stringify(result, null, 2)}\n\`\`\`\n`));
  }
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
