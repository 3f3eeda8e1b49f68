#!/usr/bin/env node
/**
 * P8: Messenger campaigns end to end through the real processes (whatsapp-server, broadcast-worker,
 * webhook-worker with the message log, message-worker idle) to the Graph stand-in, pacing and
 * Messenger's rates off: messages per second reaching the stand-in, Graph socket reuse, TCP
 * connections the stand-in accepted, and the message log's writer lag (PostgreSQL).
 * Needs Redis, PostgreSQL (DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test; a schema
 * of its own, dropped after) and a build (`npm run build`).
 *
 *   node bench/messenger.js
 *   PAGES=8 PER_PAGE=2500 LATENCY_MS=2 node bench/messenger.js
 *   BENCH_APPEND=1 node bench/messenger.js   # also append the result to BENCHMARKS.md ("Messenger")
 */
const os = require('node:os');
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');
const { API_KEY, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, killChildrenOnSignal, request, cleanupPrefix, cpuMs, updateBenchmarks, appendToSection } = require('./lib/common');
const { loadGraphStandin } = require('./lib/graph-standin');

requireBuild('apps/whatsapp-server/main.js');
killChildrenOnSignal();

const PAGES = Number(process.env.PAGES ?? 8);
const PER_PAGE = Number(process.env.PER_PAGE ?? 2500);
const LATENCY = Number(process.env.LATENCY_MS ?? 2);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const tag = randomBytes(3).toString('hex');
const prefix = `bench-msgr-${tag}`;
const schema = `bench_msgr_${tag}`;
const start = (name, env) => startReady(requireBuild(`apps/${name}/main.js`), env);
const psid = (p, i) => `${7000000000000000 + p * 100000 + i}`;

async function sql(text, args = []) {
  const c = new Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    return (await c.query(text, args)).rows;
  } finally {
    await c.end();
  }
}

async function main() {
  const GraphStandin = loadGraphStandin();
  const graph = await new GraphStandin({ latencyMs: LATENCY }).start();
  const ports = { server: await freePort(), message: await freePort(), webhook: await freePort(), broadcast: await freePort() };
  const env = serverEnv(prefix, ports.server, {
    MESSAGE_WORKER_PORT: String(ports.message), WEBHOOK_WORKER_PORT: String(ports.webhook), BROADCAST_WORKER_PORT: String(ports.broadcast),
    GRAPH_API_URL: graph.url, MESSENGER_PAGE_RATE: '0', MESSENGER_GLOBAL_RATE: '0', PACING_MIN_GAP_MS: '0', PACING_JITTER_MS: '0',
    BROADCAST_CONCURRENCY: String(Math.max(PAGES, 4)), BROADCAST_PROGRESS_EVERY: '1000', BROADCAST_PROGRESS_INTERVAL_MS: '5000',
    MESSAGE_LOG: 'on', DATABASE_URL, MESSAGE_LOG_SCHEMA: schema,
    CRON_CLEAN: 'off', CRON_EXPIRE: 'off', CRON_TRIM_DEAD_LETTERS: 'off', CRON_HEARTBEAT: 'off', CRON_MESSAGE_LOG: 'off',
  });
  const procs = {};
  procs.server = await start('whatsapp-server', env);
  for (const w of ['message-worker', 'webhook-worker', 'broadcast-worker']) procs[w] = await start(w, env);
  try {
    for (let p = 0; p < PAGES; p++) {
      const pageId = String(1000000100 + p);
      graph.addPage(pageId, `EAAG-bench-token-${pageId}`);
      const r = await request(ports.server, 'POST', '/instance/create', { instanceId: `bench-page-${p}`, channel: 'messenger', pageId, pageAccessToken: `EAAG-bench-token-${pageId}` });
      if (r.status !== 201) throw new Error(`create page: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // campaigns are accepted (stored) first; the clock starts when the first send reaches Graph
    const total = PAGES * PER_PAGE;
    await Promise.all(Array.from({ length: PAGES }, (_, p) => request(ports.server, 'POST', '/queue/add-broadcast', {
      instanceId: `bench-page-${p}`, campaignId: `bench-camp-${tag}-${p}`, message: 'Oferta {{name}}', messagingType: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE',
      contacts: Array.from({ length: PER_PAGE }, (_, i) => ({ phone: psid(p, i), name: `C${i}` })),
    })));
    const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, cpuMs(c.pid)]));
    let maxLagMs = 0;
    let maxBuffered = 0;
    const poll = setInterval(async () => {
      try {
        const s = await (await fetch(`http://127.0.0.1:${ports.webhook}/stats/message-log`)).json();
        maxLagMs = Math.max(maxLagMs, s.lagMs ?? 0);
        maxBuffered = Math.max(maxBuffered, s.buffered ?? 0);
      } catch {}
    }, 250);
    while (graph.sends.length === 0) await sleep(5);
    const t0 = graph.sends[0].at;
    while (graph.sends.length < total) await sleep(20);
    const t1 = graph.sends[graph.sends.length - 1].at;
    const sendSeconds = (t1 - t0) / 1000;
    // the log: every recipient's outcome in PostgreSQL
    let logged = 0;
    const logDeadline = Date.now() + 60_000;
    while (Date.now() < logDeadline) {
      logged = Number((await sql(`SELECT count(*) AS n FROM "${schema}".message_log`))[0].n);
      if (logged >= total) break;
      await sleep(100);
    }
    const logDoneMs = Date.now() - t1;
    clearInterval(poll);
    const cpu = Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, Math.round(cpuMs(c.pid) - cpu0[k])]));
    const http = (await request(ports.server, 'GET', '/stats/http-client')).body.total;
    const result = {
      messages: total, pages: PAGES, latencyMs: LATENCY, sendSeconds: +sendSeconds.toFixed(2), perSecond: Math.round(total / sendSeconds),
      graphRequests: graph.requests, tcpConnections: graph.connections, reuseRatio: http.reuseRatio, socketsCreated: http.socketsCreated,
      logRows: logged, logMaxLagMs: maxLagMs, logMaxBuffered: maxBuffered, logCaughtUpMsAfterLastSend: logDoneMs, cpuMs: cpu, cpus: os.cpus().length,
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.env.BENCH_APPEND) {
      const line = `| ${new Date().toISOString().slice(0, 10)} | ${os.cpus().length} | ${PAGES} × ${PER_PAGE} | ${LATENCY} ms | **${result.perSecond}/s** | ${result.reuseRatio} (${result.tcpConnections} connections for ${result.graphRequests} requests) | ${maxLagMs} ms max, caught up ${logDoneMs} ms after the last send (${logged} rows) |\n`;
      updateBenchmarks((t) => appendToSection(t, 'Messenger (P8)', line, '\n`node bench/messenger.js`: campaigns on Messenger pages through whatsapp-server, broadcast-worker and webhook-worker (message log on, PostgreSQL) to the Graph stand-in, pacing and rates off.\n\n| date | cores | messages | Graph latency | sends/s | socket reuse | log writer lag |\n|---|---|---|---|---|---|---|\n'));
    }
  } finally {
    for (const c of Object.values(procs).reverse()) await stopChild(c);
    await graph.stop();
    await cleanupPrefix(prefix);
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
