#!/usr/bin/env node
/**
 * Broadcasts: (1) POST /queue/add-broadcast accept time and whatsapp-server RSS growth for 10,000
 * and 100,000 contacts; (2) campaign send rate through broadcast-worker and the sandbox with
 * pacing off, one campaign alone and PARALLEL (4) campaigns on as many instances at once; (3) pacing accuracy: gaps between a campaign's sends (sandbox log) against the set
 * gap, without and with jitter. Runs the compiled processes (dist/) on a throwaway prefix.
 * Needs Redis and a build (`npm run build`).
 *
 *   node bench/broadcast.js
 *   SIZES=10000,100000 ROUNDS=3 SEND_N=5000 node bench/broadcast.js
 *   BENCH_APPEND=1 node bench/broadcast.js   # also append the result to BENCHMARKS.md ("Broadcasts")
 *   SIZES=1000 ROUNDS=1 SEND_N=200 PARALLEL=2 node bench/broadcast.js   # quick check that it runs (~45 s: the pacing runs are fixed)
 *
 * Accept: the body is built and serialised before the clock starts; the time is the client's
 * wall time for the whole request (upload, parse, normalise, Redis writes, answer) on loopback.
 * RSS is read from the server's /health before and after each request (no forced GC).
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { randomBytes } = require('node:crypto');
const { API_KEY, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, request, cleanupPrefix, updateBenchmarks } = require('./lib/common');

requireBuild('apps/whatsapp-server/main.js');

const SIZES = (process.env.SIZES ?? '10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SEND_N = Number(process.env.SEND_N ?? 3000);
const LATENCY = Number(process.env.SANDBOX_LATENCY_MS ?? 5);
const PARALLEL_IDS = Array.from({ length: Number(process.env.PARALLEL ?? 4) }, (_, i) => `bench-par-${i}`);
const tag = randomBytes(3).toString('hex');
const prefix = `bench-bc-${tag}`;
const logFile = path.join(os.tmpdir(), `${prefix}-sandbox.jsonl`);

const start = (name, env) => startReady(requireBuild(`apps/${name}/main.js`), env);

const rss = async (port) => (await request(port, 'GET', '/health')).body.memory.rss;
/** V8 heap in use (prom-client's default series on GET /metrics): tells retained memory from RSS V8 keeps */
async function heapUsed(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes'));
  return line ? Number(line.split(' ').pop()) : NaN;
}
const mb = (n) => +(n / 1024 / 1024).toFixed(1);
const phone = (i) => `5511${String(900000000 + i)}`;

function sendLog(instanceId) {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.instanceId === instanceId);
}

async function waitStatus(port, campaignId, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await request(port, 'GET', `/broadcast-status/${campaignId}`)).body;
    if (s.status === status) return s;
    if (Date.now() > deadline) throw new Error(`campaign ${campaignId} not ${status}: ${JSON.stringify(s)}`);
    await sleep(200);
  }
}

async function createInstance(port, instanceId) {
  const r = await request(port, 'POST', '/instance/create', { instanceId });
  if (r.status !== 201) throw new Error(`instance create: ${r.status} ${JSON.stringify(r.body)}`);
  for (;;) {
    if ((await request(port, 'GET', `/instance/${instanceId}/status`)).body.status === 'connected') return;
    await sleep(50);
  }
}

async function acceptBench(port) {
  const results = [];
  const heapBefore = await heapUsed(port);
  for (const size of SIZES) {
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) {
      // half plain numbers, half contacts with a name (templates), 1% duplicates
      const contacts = Array.from({ length: size }, (_, i) => (i % 100 === 99 ? phone(i - 1) : i % 2 ? { phone: phone(i), name: `Cliente ${i}` } : phone(i)));
      const body = JSON.stringify({ instanceId: 'bench-bc', campaignId: `accept-${size}-${round}-${tag}`, contacts, message: 'Olá {{name}}, temos novidades para você!', scheduledFor: new Date(Date.now() + 86_400_000).toISOString() });
      const before = await rss(port);
      const t0 = process.hrtime.bigint();
      const res = await request(port, 'POST', '/queue/add-broadcast', body);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 202) throw new Error(`accept ${size}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      const after = await rss(port);
      runs.push({ ms, bodyMB: mb(body.length), rssBefore: before, rssAfter: after });
      console.error(`accept ${size}: ${ms.toFixed(0)} ms, body ${mb(body.length)} MB, RSS ${mb(before)} -> ${mb(after)} MB (queued ${res.body.queued})`);
    }
    const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
    results.push({
      contacts: size,
      bodyMB: runs[0].bodyMB,
      medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
      maxMs: Math.round(sorted[sorted.length - 1]),
      rssFirstGrowthMB: mb(runs[0].rssAfter - runs[0].rssBefore),
      rssAfterMB: mb(runs[runs.length - 1].rssAfter),
    });
  }
  await sleep(3000);
  console.error(`heap used: ${mb(heapBefore)} MB before the accept rounds, ${mb(await heapUsed(port))} MB 3 s after them`);
  results.heap = { beforeMB: mb(heapBefore), afterMB: mb(await heapUsed(port)) };
  return results;
}

async function campaign(port, instanceId, campaignId, n, extra = {}) {
  const contacts = Array.from({ length: n }, (_, i) => phone(1_000_000 + i));
  const r = await request(port, 'POST', '/queue/add-broadcast', { instanceId, campaignId, contacts, message: 'Promoção de hoje: 20% de desconto!', ...extra });
  if (r.status !== 202) throw new Error(`campaign ${campaignId}: ${r.status}`);
  await waitStatus(port, campaignId, 'completed', Math.max(120_000, n * 50 + (extra.rateLimitMs ?? 0) * n * 2));
  const ats = sendLog(instanceId).map((l) => l.at).sort((a, b) => a - b);
  if (ats.length !== n) throw new Error(`${campaignId}: ${ats.length} sends in the log, expected ${n}`);
  return ats;
}

function gapStats(ats, setMs) {
  const gaps = ats.slice(1).map((t, i) => t - ats[i]);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  return { setGapMs: setMs, sends: ats.length, minGapMs: Math.min(...gaps), meanGapMs: +mean.toFixed(1), maxGapMs: Math.max(...gaps), belowSet: gaps.filter((g) => g < setMs).length };
}

async function main() {
  const port = await freePort();
  const env = serverEnv(prefix, port, {
    BROADCAST_WORKER_PORT: String(await freePort()),
    SANDBOX_LATENCY_MS: String(LATENCY),
    SANDBOX_RECEIPT_DELAY_MS: '50',
    SANDBOX_LOG_FILE: logFile,
    PACING_MIN_GAP_MS: '0',
    PACING_JITTER_MS: '0',
  });
  const server = await start('whatsapp-server', env);
  for (const id of ['bench-bc', 'bench-rate', 'bench-gap', 'bench-jitter', ...PARALLEL_IDS]) await createInstance(port, id);
  const accept = await acceptBench(port);

  let worker = await start('broadcast-worker', env);
  const t = await campaign(port, 'bench-rate', `rate-${tag}`, SEND_N);
  const sendRate = { sends: SEND_N, perSecond: Math.round(((SEND_N - 1) / (t[t.length - 1] - t[0])) * 1000), sandboxLatencyMs: LATENCY };
  console.error(`send rate, pacing off: ${sendRate.perSecond}/s over ${SEND_N} sends`);
  const runs = await Promise.all(PARALLEL_IDS.map((id) => campaign(port, id, `par-${id}-${tag}`, SEND_N)));
  const all = runs.flat().sort((a, b) => a - b);
  sendRate.parallel = { campaigns: PARALLEL_IDS.length, sends: all.length, perSecond: Math.round(((all.length - 1) / (all[all.length - 1] - all[0])) * 1000) };
  console.error(`send rate, ${PARALLEL_IDS.length} campaigns on ${PARALLEL_IDS.length} instances at once: ${sendRate.parallel.perSecond}/s`);
  const gap = gapStats(await campaign(port, 'bench-gap', `gap-${tag}`, 60, { rateLimitMs: 200 }), 200);
  console.error(`rateLimitMs 200, no jitter: ${JSON.stringify(gap)}`);
  await stopChild(worker);
  worker = await start('broadcast-worker', { ...env, PACING_JITTER_MS: '200' });
  const jitter = { ...gapStats(await campaign(port, 'bench-jitter', `jitter-${tag}`, 60, { rateLimitMs: 300 }), 300), jitterMs: 200, expectedMeanMs: 400 };
  console.error(`rateLimitMs 300, jitter 0-200: ${JSON.stringify(jitter)}`);
  await stopChild(worker);
  await stopChild(server);
  return { accept, heapMB: accept.heap, sendRate, pacing: [gap, jitter] };
}

async function cleanup() {
  await cleanupPrefix(prefix);
  fs.rmSync(logFile, { force: true });
}

function markdown(res) {
  const cpu = os.cpus();
  const lines = [
    `### Run ${new Date().toISOString().slice(0, 10)} (${cpu.length} × ${cpu[0]?.model.trim()}, node ${process.version}, load average at the end ${os.loadavg()[0].toFixed(1)})`,
    '',
    '| contacts | body | accept (median) | accept (max) | server RSS growth (first request) | server RSS after all rounds |',
    '|---|---|---|---|---|---|',
    ...res.accept.map((a) => `| ${a.contacts.toLocaleString('en')} | ${a.bodyMB} MB | ${a.medianMs} ms | ${a.maxMs} ms | ${a.rssFirstGrowthMB} MB | ${a.rssAfterMB} MB |`),
    '',
    `V8 heap in use: ${res.heapMB.beforeMB} MB before the accept rounds, ${res.heapMB.afterMB} MB 3 s after the last one.`,
    '',
    `Send rate, pacing off (sandbox latency ${res.sendRate.sandboxLatencyMs} ms): one campaign on one instance **${res.sendRate.perSecond} sends/s** over ${res.sendRate.sends} sends; ${res.sendRate.parallel.campaigns} campaigns on ${res.sendRate.parallel.campaigns} instances at once **${res.sendRate.parallel.perSecond} sends/s** together (${res.sendRate.parallel.sends} sends).`,
    '',
    '| set gap | jitter | sends | min gap | mean gap | max gap | gaps below the set gap |',
    '|---|---|---|---|---|---|---|',
    ...res.pacing.map((p) => `| ${p.setGapMs} ms | ${p.jitterMs ? `0-${p.jitterMs} ms (mean expected ${p.expectedMeanMs} ms)` : 'none'} | ${p.sends} | ${p.minGapMs} ms | ${p.meanGapMs} ms | ${p.maxGapMs} ms | ${p.belowSet} |`),
    '',
  ];
  return lines.join('\n');
}

main()
  .then(async (res) => {
    console.log(JSON.stringify(res, null, 2));
    const md = markdown(res);
    console.log(md);
    if (process.env.BENCH_APPEND) {
      // newest run first, right under the heading
      const head = '## Broadcasts';
      updateBenchmarks((text) => (text.includes(head) ? text.replace(head, `${head}\n\n${md}`) : `${text.trimEnd()}\n\n${head}\n\nMeasured with \`node bench/broadcast.js\`.\n\n${md}`));
    }
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    killChildren();
    await cleanup().catch(() => undefined);
  });
