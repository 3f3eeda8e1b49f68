#!/usr/bin/env node
/**
 * Sessions: memory of whatsapp-server holding N sandbox instances, and the time to restore them
 * after a restart. Runs the compiled server (dist/, its own process, as PM2 would) on a throwaway
 * queue prefix. Needs Redis and a build (`npm run build`).
 *
 *   node bench/sessions.js                  # 200 instances
 *   N=500 SENDS=5000 node bench/sessions.js
 *   BENCH_APPEND=1 node bench/sessions.js   # also write the result to BENCHMARKS.md ("Sessions")
 *   N=10 SENDS=50 node bench/sessions.js    # quick check that it runs (~20 s)
 *
 * Steps: start (empty) -> RSS; create N instances (sandbox, linked at once) -> RSS; SENDS internal
 * sends spread over the instances -> RSS; SIGTERM (time to stop); then three restarts with different
 * restore settings, timing spawn -> ready and spawn -> all N connected.
 */
const os = require('node:os');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { API_KEY, INTERNAL_TOKEN, requireBuild, serverEnv, sleep, freePort, stopChild, rssMb, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const main = requireBuild('apps/whatsapp-server/main.js');

const N = Number(process.env.N ?? 200);
const SENDS = Number(process.env.SENDS ?? 2000);
const prefix = `bench-sessions-${randomBytes(3).toString('hex')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function call(port, method, p, body, token = API_KEY) {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode, body: text });
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Runs fn over items with a concurrency limit. */
async function pool(items, limit, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

async function startServer(extraEnv = {}) {
  const port = await freePort();
  // info: the "instances restored" log line carries the restore duration
  const env = {
    ...process.env,
    ...serverEnv(prefix, port, { SANDBOX_LATENCY_MS: '0', SANDBOX_RECEIPT_DELAY_MS: '50', LOG_LEVEL: 'info', ...extraEnv }),
  };
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let restoreLog;
  let buffered = '';
  child.stdout.on('data', (c) => {
    buffered += c.toString('utf8');
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.includes('"instances restored"')) restoreLog = JSON.parse(line);
    }
  });
  for (;;) {
    const res = await call(port, 'GET', '/health').catch(() => undefined);
    if (res?.status === 200) break;
    if (child.exitCode !== null) throw new Error('server exited at start');
    await sleep(20);
  }
  return { child, port, spawnedAt, readyMs: Date.now() - spawnedAt, restoreLog: () => restoreLog };
}

async function connectedCount(port) {
  const res = await call(port, 'GET', '/health');
  return res.body.sessions?.byStatus?.connected ?? 0;
}

async function stop(server) {
  const t = Date.now();
  const code = await stopChild(server.child);
  return { stopMs: Date.now() - t, code };
}

async function restoreRun(label, env) {
  const server = await startServer(env);
  while ((await connectedCount(server.port)) < N) await sleep(20);
  const allConnectedMs = Date.now() - server.spawnedAt;
  while (!server.restoreLog()) await sleep(20);
  const rss = rssMb(server.child.pid);
  const { stopMs } = await stop(server);
  const log = server.restoreLog();
  return { label, concurrency: Number(env.RESTORE_CONCURRENCY), jitterMs: Number(env.RESTORE_JITTER_MS), readyMs: server.readyMs, allConnectedMs, restoreMs: log.durationMs, restored: log.restored, rssMb: Number(rss.toFixed(1)), stopMs };
}

async function run() {
  const first = await startServer();
  await sleep(1000);
  const rssEmpty = rssMb(first.child.pid);
  const ids = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const createStart = Date.now();
  await pool(ids, 10, async (id) => {
    const res = await call(first.port, 'POST', '/instance/create', { instanceId: id });
    if (res.status !== 201) throw new Error(`create ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  while ((await connectedCount(first.port)) < N) await sleep(20);
  const createMs = Date.now() - createStart;
  await sleep(2000);
  const rssInstances = rssMb(first.child.pid);
  let sent = 0;
  const sendRound = async (round) => {
    const t = Date.now();
    await pool(Array.from({ length: SENDS }, (_, i) => i), 20, async (i) => {
      const messageId = `3EB0BENCH${round}${String(i).padStart(10, '0')}`;
      const res = await call(first.port, 'POST', '/internal/send', { instanceId: ids[i % N], to: `55119${String(i).padStart(8, '0')}`, messageId, content: { type: 'text', text: `mensagem ${i}` } }, INTERNAL_TOKEN);
      if (res.status === 200) sent++;
    });
    const ms = Date.now() - t;
    await sleep(2000);
    return { ms, rss: rssMb(first.child.pid) };
  };
  // Two rounds: growth in the first is warm-up, growth in the second would be per-message state.
  const round1 = await sendRound(1);
  const round2 = await sendRound(2);
  const firstStop = await stop(first);

  const restores = [];
  restores.push(await restoreRun('defaults', { RESTORE_CONCURRENCY: '5', RESTORE_JITTER_MS: '1000' }));
  restores.push(await restoreRun('no jitter', { RESTORE_CONCURRENCY: '5', RESTORE_JITTER_MS: '0' }));
  restores.push(await restoreRun('wide', { RESTORE_CONCURRENCY: '50', RESTORE_JITTER_MS: '0' }));

  const result = {
    instances: N,
    rssEmptyMb: Number(rssEmpty.toFixed(1)),
    rssWithInstancesMb: Number(rssInstances.toFixed(1)),
    rssPerInstanceKb: Math.round(((rssInstances - rssEmpty) * 1024) / N),
    createSeconds: Number((createMs / 1000).toFixed(2)),
    sends: SENDS,
    sent,
    sendsPerSecond: Math.round(SENDS / (round2.ms / 1000)),
    rssAfterSendsMb: Number(round1.rss.toFixed(1)),
    rssAfterMoreSendsMb: Number(round2.rss.toFixed(1)),
    stopMs: firstStop.stopMs,
    restores,
    cpus: os.cpus().length,
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_APPEND) writeSection(result);
}

const INTRO =
  '\n' +
  '`node bench/sessions.js` (after `npm run build`): the compiled whatsapp-server in its own process with the sandbox\n' +
  'driver (no network, so this is the server\'s own cost per instance: session objects, registry, events; not\n' +
  'Baileys\' socket and crypto state, which users of Baileys gateways report at tens of MB per session). RSS from\n' +
  '/proc/<pid>/status. Restore: the server is stopped (SIGTERM) and started again on the same Redis; "all connected"\n' +
  'is from spawn until /health reports every instance connected, "restore" is the server\'s own restore duration.\n';

function writeSection(r) {
  const date = new Date().toISOString().slice(0, 10);
  const run =
    `\n### ${date}: ${r.instances} instances, ${r.cpus} cores, node ${r.node}\n\n` +
    '| RSS empty | RSS with instances | per instance | create all | after sends, round 1 / round 2 | internal sends/s | stop (SIGTERM) |\n|---|---|---|---|---|---|---|\n' +
    `| ${r.rssEmptyMb} MB | ${r.rssWithInstancesMb} MB | ${r.rssPerInstanceKb} KB | ${r.createSeconds} s | ${r.rssAfterSendsMb} / ${r.rssAfterMoreSendsMb} MB (${r.sends} sends each) | ${r.sendsPerSecond} | ${r.stopMs} ms |\n\n` +
    '| restore settings | ready | all connected | restore | RSS |\n|---|---|---|---|---|\n' +
    r.restores.map((x) => `| ${x.label}: concurrency ${x.concurrency}, jitter ${x.jitterMs} ms | ${x.readyMs} ms | ${x.allConnectedMs} ms | ${x.restoreMs} ms | ${x.rssMb} MB |\n`).join('');
  updateBenchmarks((text) => appendToSection(text, 'Sessions', run, INTRO));
}

run()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    agent.destroy();
    await cleanupPrefix(prefix).catch(() => undefined);
  });
