#!/usr/bin/env node
/**
 * Messages: (1) POST /queue/add-message throughput and latency of whatsapp-server against a naive
 * Express + bull route (bench/naive-add-message.js), same Redis, same load, in the same run;
 * (2) end-to-end messages per second through message-worker and the sandbox driver, pacing off.
 * Runs the compiled processes (dist/, each its own process, as PM2 would) on throwaway prefixes.
 * Needs Redis and a build (`npm run build`).
 *
 *   node bench/add-message.js
 *   CONNECTIONS=100 DURATION=10 ROUNDS=2 N=20000 node bench/add-message.js
 *   BENCH_APPEND=1 node bench/add-message.js   # also append the result to BENCHMARKS.md ("Messages")
 *   NODE_ARGS=--cpu-prof SKIP_ROUTE=1 node bench/add-message.js   # profile our processes (.cpuprofile in cwd;
 *                                   summarise with node bench/lib/profile-summary.js CPU.*.cpuprofile)
 *   SKIP_E2E=1 ROUNDS=4 node bench/add-message.js   # the route comparison only
 *   E2E_ROUNDS=3 node bench/add-message.js   # median of 3 end-to-end runs per receipt mode
 *   CONNECTIONS=10 DURATION=1 ROUNDS=1 N=500 node bench/add-message.js   # quick check that it runs (~15 s)
 *
 * Route: autocannon, CONNECTIONS keep-alive connections for DURATION s per round, after a 2 s
 * warm-up; rounds alternate baseline / ours. End to end: N messages are queued through the route
 * first (worker stopped), then message-worker starts; the rate is taken from the sandbox send log
 * (first to last send), so start-up is not counted. Run twice: with the sandbox's receipts (3 per
 * message, each a status update and a webhook job) and with receipts deferred past the run.
 * Reported with each result: the load generator's CPU per request (autocannon runs in this process),
 * Redis CPU and Redis commands (INFO commandstats) per request or message, and the load average.
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { randomBytes } = require('node:crypto');
const { dist, REDIS_URL, API_KEY, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, killChildrenOnSignal, request, cpuMs, redisCpuMs, redisCommandCalls, commandsPer, median, loadAverage, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const serverMain = requireBuild('apps/whatsapp-server/main.js');
const autocannon = require('autocannon');
const IORedis = require('ioredis');

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const DURATION = Number(process.env.DURATION ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
/** end-to-end runs per receipt mode (the median is reported) */
const E2E_ROUNDS = Number(process.env.E2E_ROUNDS ?? 1);
const N = Number(process.env.N ?? 20000);
const CONCURRENCY = Number(process.env.MESSAGE_CONCURRENCY ?? 200);
const LATENCY = Number(process.env.SANDBOX_LATENCY_MS ?? 5);
const INSTANCES = Number(process.env.INSTANCES ?? 4);
const tag = randomBytes(3).toString('hex');
const nodeArgs = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Our processes get NODE_ARGS (profiling); the naive baseline runs plain. */
const start = (script, env) => startReady(script, env, script.startsWith(dist) ? nodeArgs : []);

/** Bytes Redis has read from its clients (INFO stats total_net_input_bytes). */
async function redisNetInput(r) {
  return Number(/total_net_input_bytes:(\d+)/.exec(await r.info('stats'))?.[1] ?? NaN);
}

async function createInstances(port, n) {
  for (let i = 0; i < n; i++) {
    const r = await request(port, 'POST', '/instance/create', { instanceId: `bench-${i}` });
    if (r.status !== 201) throw new Error(`instance create: ${r.status} ${JSON.stringify(r.body)}`);
  }
  for (;;) {
    const r = await request(port, 'GET', '/instances');
    const list = r.body.instances ?? [];
    if (list.filter((x) => x.status === 'connected').length >= n) return;
    await sleep(50);
  }
}

function load(url, opts) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', connections: CONNECTIONS, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const body = (i = 0) => JSON.stringify({ instanceId: `bench-${i % INSTANCES}`, phone: '5511999990001', message: 'Olá! Sua consulta está confirmada para amanhã às 10h.' });

async function routeBench() {
  const oursPrefix = `bench-msg-${tag}`;
  const naivePrefix = `bench-naive-${tag}`;
  const oursPort = await freePort();
  const naivePort = await freePort();
  const server = await start(serverMain, serverEnv(oursPrefix, oursPort));
  await createInstances(oursPort, INSTANCES);
  const naive = await start(path.join(__dirname, 'naive-add-message.js'), { PORT: String(naivePort), REDIS_URL, QUEUE_PREFIX: naivePrefix });
  const targets = {
    naive: { pid: naive.pid, url: `http://127.0.0.1:${naivePort}/queue/add-message`, headers: { 'content-type': 'application/json' } },
    ours: { pid: server.pid, url: `http://127.0.0.1:${oursPort}/queue/add-message`, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } },
  };
  const runs = { naive: [], ours: [] };
  const redis = new IORedis(REDIS_URL);
  for (const name of ['naive', 'ours']) await load(targets[name].url, { headers: targets[name].headers, body: body(), duration: 2 }); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['ours', 'naive'] : ['naive', 'ours']) {
      const cpu0 = cpuMs(targets[name].pid);
      const gen0 = process.cpuUsage();
      const redis0 = await redisCpuMs(redis);
      const calls0 = await redisCommandCalls(redis);
      const r = await load(targets[name].url, { headers: targets[name].headers, body: body(), duration: DURATION });
      const ok = r['2xx'];
      // server CPU per accepted request: what the route costs, whatever limits the load generator
      const cpuUs = ((cpuMs(targets[name].pid) - cpu0) * 1000) / ok;
      // autocannon runs in this process: its CPU per request is the load generator's share of the 2 cores
      const gen = process.cpuUsage(gen0);
      const genUs = (gen.user + gen.system) / ok;
      const redisUs = (((await redisCpuMs(redis)) - redis0) * 1000) / ok;
      const cmds = commandsPer(calls0, await redisCommandCalls(redis), ok);
      runs[name].push({ rps: ok / DURATION, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts, cpuUs, genUs, redisUs, cmds: cmds.text });
      console.error(`${name} round ${round + 1} (load ${loadAverage()}): ${Math.round(ok / DURATION)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU µs/req server ${Math.round(cpuUs)} Redis ${Math.round(redisUs)} autocannon ${Math.round(genUs)}, errors ${r.non2xx + r.errors + r.timeouts}; Redis calls/req: ${cmds.text}`);
    }
  }
  redis.disconnect();
  await stopChild(naive);
  await stopChild(server);
  await cleanupPrefix(oursPrefix);
  await cleanupPrefix(naivePrefix);
  // medians of the rounds: one round disturbed by the machine's other work does not move the result
  const med = (xs, k) => median(xs.map((x) => x[k]));
  const summary = (xs) => ({
    rps: Math.round(med(xs, 'rps')),
    p50: +med(xs, 'p50').toFixed(1),
    p99: +med(xs, 'p99').toFixed(1),
    cpuUs: Math.round(med(xs, 'cpuUs')),
    genUs: Math.round(med(xs, 'genUs')),
    redisUs: Math.round(med(xs, 'redisUs')),
    errors: xs.reduce((s, x) => s + x.errors, 0),
    cmds: xs[xs.length - 1].cmds,
  });
  return { naive: summary(runs.naive), ours: summary(runs.ours) };
}

async function endToEnd(receiptDelayMs) {
  const prefix = `bench-e2e-${tag}-${receiptDelayMs}`;
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `${prefix}-sandbox.jsonl`);
  const env = serverEnv(prefix, port, {
    SANDBOX_LOG_FILE: logFile,
    SANDBOX_LATENCY_MS: String(LATENCY),
    SANDBOX_RECEIPT_DELAY_MS: String(receiptDelayMs),
    PACING_MIN_GAP_MS: '0',
    PACING_JITTER_MS: '0',
    MESSAGE_CONCURRENCY: String(CONCURRENCY),
    MESSAGE_WORKER_PORT: String(await freePort()),
  });
  const server = await start(serverMain, env);
  await createInstances(port, INSTANCES);
  let i = 0;
  await load(`http://127.0.0.1:${port}/queue/add-message`, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    amount: N,
    requests: [{ setupRequest: (req) => ({ ...req, body: body(i++) }) }],
  });
  const redis = new IORedis(REDIS_URL);
  const worker = await start(path.join(dist, 'apps/message-worker/main.js'), env);
  const cpu0 = { server: cpuMs(server.pid), worker: cpuMs(worker.pid), redis: await redisCpuMs(redis) };
  const calls0 = await redisCommandCalls(redis);
  const netIn0 = await redisNetInput(redis);
  const load0 = loadAverage();
  const deadline = Date.now() + Math.max(120_000, N * 10);
  let lines = [];
  while (Date.now() < deadline) {
    lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= N) break;
    await sleep(250);
  }
  // receipts trail the last send by 3 x SANDBOX_RECEIPT_DELAY_MS; their work belongs to the run
  await sleep(500);
  const cpu = { server: cpuMs(server.pid) - cpu0.server, worker: cpuMs(worker.pid) - cpu0.worker, redis: (await redisCpuMs(redis)) - cpu0.redis };
  const cmds = commandsPer(calls0, await redisCommandCalls(redis), Math.max(1, lines.length));
  const netInBytes = Math.round(((await redisNetInput(redis)) - netIn0) / Math.max(1, lines.length));
  redis.disconnect();
  await stopChild(worker);
  await stopChild(server);
  const at = lines.map((l) => JSON.parse(l).at).sort((a, b) => a - b);
  const ids = new Set(lines.map((l) => JSON.parse(l).messageId));
  fs.rmSync(logFile, { force: true });
  await cleanupPrefix(prefix);
  const seconds = (at[at.length - 1] - at[0]) / 1000;
  const perMsg = (ms) => +((ms * 1000) / lines.length).toFixed(0);
  const r = { sent: lines.length, unique: ids.size, seconds: +seconds.toFixed(2), perSecond: Math.round((lines.length - 1) / seconds), cpuUs: { server: perMsg(cpu.server), worker: perMsg(cpu.worker), redis: perMsg(cpu.redis) }, cmds, netInBytes, load: `${load0} / ${loadAverage()}` };
  console.error(`end to end, receipt delay ${receiptDelayMs} ms (load ${r.load}): ${r.perSecond}/s, CPU µs/msg server ${r.cpuUs.server} worker ${r.cpuUs.worker} Redis ${r.cpuUs.redis}; bytes to Redis/msg ${netInBytes}; Redis calls/msg ${cmds.total}: ${cmds.text}`);
  return r;
}

/** E2E_ROUNDS runs of one mode; the run with the median rate. */
async function endToEndMedian(receiptDelayMs) {
  const runs = [];
  for (let i = 0; i < E2E_ROUNDS; i++) runs.push(await endToEnd(receiptDelayMs));
  runs.sort((a, b) => a.perSecond - b.perSecond);
  return { ...runs[(runs.length - 1) >> 1], all: runs.map((r) => r.perSecond) };
}

async function main() {
  const startLoad = loadAverage();
  const route = process.env.SKIP_ROUTE ? { naive: { rps: 1, cpuUs: 1 }, ours: { rps: 0, cpuUs: 1 } } : await routeBench();
  // receipts on (3 per message within 150 ms, as WhatsApp would), then deferred past the run: the send path alone
  if (process.env.SKIP_E2E) return console.log(JSON.stringify(route));
  const e2e = await endToEndMedian(50);
  const bare = await endToEndMedian(600_000);
  const ratio = (route.ours.rps / route.naive.rps).toFixed(2);
  const text = [
    `### add-message (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version})`,
    '',
    `Route, autocannon ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION} s per side, rounds alternated, medians, same Redis (load average at the start ${startLoad}, at the end ${loadAverage()}):`,
    '',
    '| | req/s | p50 ms | p99 ms | server CPU µs/req | Redis CPU µs/req | autocannon CPU µs/req | errors | Redis calls/req |',
    '|---|---|---|---|---|---|---|---|---|',
    ...[['naive Express + bull queue.add', route.naive], ['whatsapp-server POST /queue/add-message', route.ours]].map(
      ([name, r]) => `| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuUs} | ${r.redisUs} | ${r.genUs} | ${r.errors} | ${r.cmds} |`,
    ),
    '',
    `Ours / naive: throughput ${ratio}x, server CPU per request ${(route.naive.cpuUs / route.ours.cpuUs).toFixed(2)}x less.`,
    '',
    `End to end, pacing off, ${INSTANCES} instances, MESSAGE_CONCURRENCY=${CONCURRENCY}, SANDBOX_LATENCY_MS=${LATENCY}, ${N} messages queued first${E2E_ROUNDS > 1 ? `, median of ${E2E_ROUNDS} runs` : ''}:`,
    '',
    '| | sends (unique ids) | seconds | messages/s | CPU µs/msg server | worker | Redis | Redis calls/msg | load |',
    '|---|---|---|---|---|---|---|---|---|',
    ...[['receipts on (server_ack, delivered, read)', e2e], ['receipts after the run (send path only)', bare]].map(
      ([name, r]) => `| ${name} | ${r.sent} (${r.unique}) | ${r.seconds} | **${r.perSecond}**${r.all.length > 1 ? ` (${r.all.join(', ')})` : ''} | ${r.cpuUs.server} | ${r.cpuUs.worker} | ${r.cpuUs.redis} | ${r.cmds.total} | ${r.load} |`,
    ),
    '',
    ...[['receipts on', e2e], ['send path only', bare]].map(([name, r]) => `Redis calls per message, ${name} (${r.netInBytes} bytes to Redis per message): ${r.cmds.text}.`),
    '',
  ].join('\n');
  console.log(text);
  // after the section's last run (and its notes), not at the end of the file
  if (process.env.BENCH_APPEND) updateBenchmarks((current) => appendToSection(current, 'Messages', `\n${text}`));
}

killChildrenOnSignal();

main().catch(async (err) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
