#!/usr/bin/env node
/**
 * Webhook deliveries per second: fills the `webhook` queue with N events, starts the real
 * webhook-worker (dist/, as PM2 would: its own process) against a local receiver standing in for
 * the edge functions, and times the deliveries. Needs Redis and a build (`npm run build`).
 *
 *   node bench/webhooks.js                       # 20000 events, config defaults
 *   N=50000 WEBHOOK_CONCURRENCY=100 node bench/webhooks.js
 *   BENCH_APPEND=1 node bench/webhooks.js        # also append the result to BENCHMARKS.md
 *   WORKER_NODE_ARGS=--cpu-prof node bench/webhooks.js   # profile the worker
 *   N=2000 node bench/webhooks.js                # quick check that it runs (a few seconds)
 *
 * Every received request is checked for its signature; duplicates are counted.
 */
const path = require('node:path');
const os = require('node:os');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { dist, WEBHOOK_SECRET: secret, requireBuild, baseEnv, freePort, stopChild, cpuMs, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const workerMain = requireBuild('apps/webhook-worker/main.js');
const { loadConfig } = require(path.join(dist, 'shared/config'));
const { createQueues } = require(path.join(dist, 'queues/factory'));
const { silentLogger } = require(path.join(dist, 'shared/logger'));
const { verifySignature } = require(path.join(dist, 'webhooks/signature'));

const N = Number(process.env.N ?? 20000);
const prefix = `bench-webhooks-${randomBytes(3).toString('hex')}`;
const cleanup = () => cleanupPrefix(prefix);

async function main() {
  const seen = new Set();
  let received = 0, duplicates = 0, badSignatures = 0, first = 0, last = 0;
  let workerPid, cpuAtFirst;
  let done;
  const finished = new Promise((r) => (done = r));
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = req.headers['webhook-id'];
      // check one in ten fully (HMAC costs the receiver CPU it shares with the worker)
      if (received % 10 === 0 && !verifySignature({ secret, body, headers: req.headers })) badSignatures++;
      if (seen.has(id)) duplicates++;
      else seen.add(id);
      received++;
      if (!first) {
        first = Date.now();
        cpuAtFirst = cpuMs(workerPid);
      }
      last = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (seen.size === N) done();
    });
  });
  receiver.keepAliveTimeout = 65_000;
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${receiver.address().port}`;

  const env = {
    ...process.env,
    ...baseEnv(prefix, {
      SUPABASE_FUNCTIONS_URL: `${receiverUrl}/functions/v1`,
      SUPABASE_SERVICE_ROLE_KEY: 'bench-service-role',
      WEBHOOK_WORKER_PORT: String(await freePort()),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    }),
  };
  const config = loadConfig(env);

  // fill the queue before the worker starts, so producing does not compete with delivering
  const producer = createQueues(config, silentLogger());
  const queue = producer.queues.webhook;
  const fillStart = Date.now();
  for (let i = 0; i < N; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(i + 1000, N); j++) {
      const event = { id: `evt-${j}`, type: 'message.received', instanceId: 'bench', timestamp: new Date().toISOString(), data: { from: '5511999999999', text: `mensagem ${j}`, messageId: `3EB0${j}` } };
      batch.push({ data: { event }, opts: { jobId: event.id } });
    }
    await queue.addBulk(batch);
  }
  const fillMs = Date.now() - fillStart;

  const child = spawn(process.execPath, [...(process.env.WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean), workerMain], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  workerPid = child.pid;
  const started = Date.now();
  const timeout = setTimeout(() => done('timeout'), Math.max(120_000, N * 5));
  const outcome = await finished;
  clearTimeout(timeout);
  // from the first delivery on: start-up (module loading) is not delivery work
  const workerCpuMs = cpuAtFirst === undefined ? undefined : cpuMs(child.pid) - cpuAtFirst;
  await stopChild(child);
  await producer.close();
  receiver.closeAllConnections();
  receiver.close();
  await cleanup();

  const seconds = (last - first) / 1000;
  const result = {
    events: N,
    delivered: seen.size,
    perSecond: Math.round(seen.size / seconds),
    seconds: Number(seconds.toFixed(2)),
    startupMs: first - started,
    duplicates,
    // worker CPU per delivery (Linux): independent of what else loads the machine
    workerCpuMsPerDelivery: workerCpuMs === undefined ? undefined : Number((workerCpuMs / seen.size).toFixed(3)),
    perCoreCapacity: workerCpuMs ? Math.round(seen.size / (workerCpuMs / 1000)) : undefined,
    badSignatures,
    concurrency: config.WEBHOOK_CONCURRENCY,
    maxSockets: config.WEBHOOK_MAX_SOCKETS,
    fillPerSecond: Math.round(N / (fillMs / 1000)),
    cpus: os.cpus().length,
    // other load on the machine during the run (1-minute load average at the end)
    loadAverage: Number(os.loadavg()[0].toFixed(2)),
    node: process.version,
    outcome: outcome === 'timeout' ? 'timeout' : 'ok',
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_APPEND) appendResult(result);
  process.exit(outcome === 'timeout' || badSignatures ? 1 : 0);
}

const INTRO =
  `\n\`node bench/webhooks.js\` (after \`npm run build\`): N events queued first, then the real webhook-worker\n` +
  `(own process) delivers them, signed, to a local receiver on the same machine. Rate = deliveries / time from first to last;\n` +
  `worker CPU from /proc (user+system, from the first delivery on), which other load on the machine does not distort.\n\n` +
  `| date | events | deliveries/s | worker CPU ms per delivery | deliveries/s per worker core | concurrency | max sockets | duplicates | machine |\n|---|---|---|---|---|---|---|---|---|\n`;

function appendResult(r) {
  const line = `| ${new Date().toISOString().slice(0, 10)} | ${r.events} | ${r.perSecond} | ${r.workerCpuMsPerDelivery ?? '-'} | ${r.perCoreCapacity ?? '-'} | ${r.concurrency} | ${r.maxSockets} | ${r.duplicates} | ${r.cpus} cores, load ${r.loadAverage}, ${r.node} |\n`;
  updateBenchmarks((text) => appendToSection(text, 'Webhooks', line, INTRO));
}

main().catch(async (err) => {
  console.error(err);
  await cleanup().catch(() => undefined);
  process.exit(1);
});
