#!/usr/bin/env node
/**
 * Baileys sessions: memory of whatsapp-server holding N REAL Baileys sessions (WHATSAPP_DRIVER=baileys)
 * against the local WhatsApp Web stand-in (test/harness/fake-wa), and the time to bring them all back
 * from the Redis auth state after a restart. The stand-in runs in this process; whatsapp-server is a
 * child (compiled dist/, preloaded to trust the stand-in's root key), so its RSS is its own.
 * Needs Redis and a build (`npm run build`).
 *
 *   node bench/baileys-sessions.js                 # 50 sessions
 *   N=100 node bench/baileys-sessions.js
 *   BENCH_APPEND=1 node bench/baileys-sessions.js  # also write the result to BENCHMARKS.md ("Baileys sessions")
 *   N=3 node bench/baileys-sessions.js             # quick check that it runs (~15 s)
 *
 * Steps: start (empty) -> RSS; pair the first (loads Baileys) -> RSS; create + pair the others one
 * after the other (QR scanned by the stand-in, 515, login, pre-key upload) -> RSS; one incoming text
 * per instance (stand-in -> server) and one outgoing text per instance (POST /internal/send, the call
 * message-worker makes) -> RSS; the inbound flood (INBOUND=1000 Signal-encrypted messages per session from
 * CONTACTS=10 contacts, in STEPS=10 rounds, RSS after each: growth per message; INBOUND=0 skips it);
 * SIGTERM, start again -> time until all N are connected without a QR
 * -> RSS. Before each reading the server runs a full GC (SIGUSR2 -> gc(), a bench-only hook given
 * on its command line), so the heap figure is live data rather than garbage not yet collected.
 */
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const IORedis = require('ioredis');
const { root, REDIS_URL, API_KEY, INTERNAL_TOKEN, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, killChildrenOnSignal, request, rssMb, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const main = requireBuild('apps/whatsapp-server/main.js');
const PRELOAD = path.join(root, 'test', 'harness', 'preload.mjs');
const HARNESS = pathToFileURL(path.join(root, 'test', 'harness', 'fake-wa', 'index.mjs')).href;

const N = Number(process.env.N ?? 50);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
const prefix = `bench-baileys-${randomBytes(3).toString('hex')}`;
const ids = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
const phoneOf = (i) => `55119${String(i).padStart(8, '0')}`;
const CONTACT = '5511988887777';
// the inbound flood: INBOUND Signal-encrypted messages per session from CONTACTS contacts (each its own
// Signal session with the client), pushed in STEPS rounds with a memory reading after each
const INBOUND = Number(process.env.INBOUND ?? 1000);
const CONTACTS = Number(process.env.CONTACTS ?? 10);
const STEPS = Number(process.env.STEPS ?? 10);
const contactOf = (k) => `55119${String(70000000 + k).padStart(8, '0')}`;
// bench-only: a full GC on SIGUSR2, so readings compare live memory (nothing in the app uses SIGUSR2)
const GC_HOOK = `data:text/javascript,${encodeURIComponent("process.on('SIGUSR2', () => globalThis.gc())")}`;

let wa;
let redis;

async function startServer(port) {
  const env = serverEnv(prefix, port, {
    WHATSAPP_DRIVER: 'baileys',
    WA_WEBSOCKET_URL: wa.url,
    WA_VERSION: '2.3000.1023456789', // configured: no fetch from the network
    WA_VERSION_FETCH_TIMEOUT_MS: '0',
    WA_LOG_LEVEL: 'silent',
    FAKE_WA_PUBLIC_KEY: wa.publicKeyBase64,
    RESTORE_JITTER_MS: process.env.RESTORE_JITTER_MS ?? '0',
    ...(process.env.RESTORE_CONCURRENCY ? { RESTORE_CONCURRENCY: process.env.RESTORE_CONCURRENCY } : {}),
  });
  const spawnedAt = Date.now();
  const child = await startReady(main, env, ['--expose-gc', '--import', GC_HOOK, '--import', PRELOAD]);
  return { child, port, spawnedAt, readyMs: Date.now() - spawnedAt };
}

async function connectedCount(port) {
  const res = await request(port, 'GET', '/health').catch(() => undefined);
  return res?.body?.sessions?.byStatus?.connected ?? 0;
}

async function waitUntil(fn, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

/** RSS from /proc and V8 heap used from the server's own /metrics, after SETTLE_MS of quiet and a full GC. */
async function memory(server) {
  await sleep(SETTLE_MS);
  server.child.kill('SIGUSR2');
  await sleep(500);
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const text = await res.text();
  const heap = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text)?.[1] ?? NaN);
  return { rssMb: round(rssMb(server.child.pid)), heapUsedMb: round(heap / 1024 / 1024) };
}

const round = (x) => Number(x.toFixed(1));

/** Creates instance i and plays the phone scanning its QR; resolves once the server reports it connected. */
async function pair(server, i) {
  const id = ids[i];
  const since = wa.connections.length;
  const created = await request(server.port, 'POST', '/instance/create', { instanceId: id });
  if (created.status !== 201) throw new Error(`create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const register = await wa.waitForConnection({ kind: 'register', since, timeoutMs: 30_000 });
  const qr = await waitUntil(async () => (await request(server.port, 'GET', `/instance/${id}/qr`)).body?.qr, `QR of ${id}`);
  await register.scanQr(qr, { phone: phoneOf(i), device: 1 });
  await wa.waitForConnection({ kind: 'login', since: register.index + 1, timeoutMs: 30_000 });
  await waitUntil(async () => (await request(server.port, 'GET', `/instance/${id}/status`)).body?.status === 'connected', `${id} connected`);
}

/** The open login connection of instance i's device (the stand-in side of its socket). */
function loginOf(i) {
  const device = `${phoneOf(i)}:1`;
  return wa.connections.filter((c) => c.kind === 'login' && c.device === device && !c.isClosed).at(-1);
}

/** Jobs ever added to the webhook queue (Bull's id counter): every event the server published. */
async function webhookJobs() {
  return Number((await redis.get(`${prefix}:webhook:id`)) ?? 0);
}

async function messageRound(server) {
  const t = Date.now();
  const jobsBefore = await webhookJobs();
  for (let i = 0; i < N; i++) loginOf(i).pushMessage({ from: CONTACT, text: `Olá, mensagem ${i}`, pushName: 'Ana' });
  await waitUntil(async () => (await webhookJobs()) >= jobsBefore + N, 'incoming messages published');
  const outBefore = wa.outgoing.length;
  let sent = 0;
  await Promise.all(ids.map(async (id, i) => {
    const res = await request(server.port, 'POST', '/internal/send', { instanceId: id, to: CONTACT, messageId: `3EB0BENCH${String(i).padStart(10, '0')}`, content: { type: 'text', text: `Resposta ${i}` } }, INTERNAL_TOKEN);
    if (res.status === 200) sent++;
    else console.error(`send ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }));
  await waitUntil(() => wa.outgoing.length >= outBefore + sent, 'outgoing stanzas at the stand-in');
  return { incoming: N, sent, ms: Date.now() - t };
}

/**
 * INBOUND encrypted messages per session (pkmsg first, then msg once the client answered: the
 * stand-in's Signal side, test/harness/fake-wa/signal.mjs), STEPS rounds; after each round every
 * message has become a webhook job, and memory is read after a full GC. Growth per message is the
 * slope from the first round's reading to the last (the first round also creates the sessions).
 */
async function inboundFlood(server) {
  const perStep = Math.ceil(INBOUND / STEPS);
  const samples = [];
  let pushed = 0;
  const t = Date.now();
  const jobsBefore = await webhookJobs();
  for (let step = 0; step < STEPS; step++) {
    const stepStart = Date.now();
    for (let i = 0; i < N; i++) {
      const conn = loginOf(i);
      for (let k = 0; k < perStep; k++) conn.pushMessage({ from: contactOf((step * perStep + k) % CONTACTS), text: `Mensagem ${step}.${k} para ${i}`, pushName: 'Ana' });
    }
    pushed += N * perStep;
    await Promise.all(ids.map((_, i) => loginOf(i).flush()));
    await waitUntil(async () => (await webhookJobs()) >= jobsBefore + pushed, `inbound step ${step} published`, 300_000);
    const seconds = (Date.now() - stepStart) / 1000;
    samples.push({ messages: pushed / N, perSecond: Math.round((N * perStep) / seconds), ...(await memory(server)) });
    // after the first round each session answers each contact once, so the contacts' later messages
    // are plain Signal messages (msg) instead of pre-key messages (libsignal pendingPreKey)
    if (step === 0) await replyToContacts(server);
  }
  const types = await eventTypes(pushed);
  // what went over the wire: the stand-in's stanzas to the clients, by <enc type> (pkmsg / msg)
  const wire = {};
  for (let i = 0; i < N; i++) {
    for (const node of loginOf(i).sent) {
      const enc = Array.isArray(node.content) ? node.content.find((c) => c.tag === 'enc' || c.tag === 'plaintext') : undefined;
      if (node.tag === 'message' && enc) wire[enc.attrs.type ?? enc.tag] = (wire[enc.attrs.type ?? enc.tag] ?? 0) + 1;
    }
  }
  const first = samples[0];
  const last = samples.at(-1);
  const spanMessages = (last.messages - first.messages) * N;
  return {
    perSession: pushed / N,
    contacts: CONTACTS,
    seconds: round((Date.now() - t) / 1000),
    types,
    wire,
    samples,
    rssGrowthPerMessageKb: spanMessages ? Number((((last.rssMb - first.rssMb) * 1024) / spanMessages).toFixed(3)) : null,
    heapGrowthPerMessageKb: spanMessages ? Number((((last.heapUsedMb - first.heapUsedMb) * 1024) / spanMessages).toFixed(3)) : null,
  };
}

async function replyToContacts(server) {
  const outBefore = wa.outgoing.length;
  let sent = 0;
  for (let k = 0; k < Math.min(CONTACTS, INBOUND); k++) {
    await Promise.all(ids.map(async (id, i) => {
      const body = { instanceId: id, to: contactOf(k), messageId: `3EB0REPLY${String(i).padStart(5, '0')}${String(k).padStart(5, '0')}`, content: { type: 'text', text: 'Recebido' } };
      const res = await request(server.port, 'POST', '/internal/send', body, INTERNAL_TOKEN);
      if (res.status === 200) sent++;
      else console.error(`reply ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    }));
  }
  await waitUntil(() => wa.outgoing.length >= outBefore + sent, 'replies at the stand-in', 120_000);
}

/** Counts the event types of the newest `count` waiting webhook jobs (no webhook-worker runs here; jobId = event id). */
async function eventTypes(count) {
  const ids = await redis.lrange(`${prefix}:webhook:wait`, 0, count - 1);
  const counts = {};
  for (let at = 0; at < ids.length; at += 1000) {
    const pipe = redis.pipeline();
    for (const id of ids.slice(at, at + 1000)) pipe.hget(`${prefix}:webhook:${id}`, 'data');
    for (const [, data] of await pipe.exec()) {
      const type = data ? (JSON.parse(data).event?.type ?? 'unknown') : 'missing';
      counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  return counts;
}

async function run() {
  const H = await import(HARNESS);
  wa = await new H.FakeWaServer({ phone: phoneOf(0) }).start();
  redis = new IORedis(REDIS_URL);
  const port = await freePort();

  const first = await startServer(port);
  const empty = await memory(first);
  const pairStart = Date.now();
  await pair(first, 0);
  let pairMs = Date.now() - pairStart;
  // the first session also loads Baileys itself (import() on first use): measured apart
  const one = await memory(first);
  const restStart = Date.now();
  for (let i = 1; i < N; i++) await pair(first, i);
  pairMs += Date.now() - restStart;
  if ((await connectedCount(port)) !== N) throw new Error('not all connected');
  const all = await memory(first);
  const round1 = await messageRound(first);
  const afterMessages = await memory(first);
  const flood = INBOUND > 0 ? await inboundFlood(first) : undefined;

  const stopStart = Date.now();
  await stopChild(first.child);
  const stopMs = Date.now() - stopStart;
  const connsBefore = wa.connections.length;
  const second = await startServer(port);
  await waitUntil(async () => (await connectedCount(port)) === N, 'all connected after restart', 120_000);
  const restoreMs = Date.now() - second.spawnedAt;
  const registers = wa.connections.slice(connsBefore).filter((c) => c.kind === 'register').length;
  const restored = await memory(second);
  await stopChild(second.child);

  const result = {
    sessions: N,
    empty,
    oneConnected: one,
    allConnected: all,
    afterMessages,
    rssPerSessionMb: Number(((all.rssMb - empty.rssMb) / N).toFixed(2)),
    heapPerSessionMb: Number(((all.heapUsedMb - empty.heapUsedMb) / N).toFixed(2)),
    rssPerFurtherSessionMb: N > 1 ? Number(((all.rssMb - one.rssMb) / (N - 1)).toFixed(2)) : null,
    heapPerFurtherSessionMb: N > 1 ? Number(((all.heapUsedMb - one.heapUsedMb) / (N - 1)).toFixed(2)) : null,
    pairSeconds: round(pairMs / 1000),
    messages: round1,
    flood,
    stopMs,
    restart: { readyMs: second.readyMs, allConnectedMs: restoreMs, qrConnections: registers, ...restored },
    restoreConcurrency: Number(process.env.RESTORE_CONCURRENCY ?? 5),
    cpus: os.cpus().length,
    node: process.version,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.env.BENCH_APPEND) writeSection(result);
}

const INTRO =
  '\n' +
  '`node bench/baileys-sessions.js` (after `npm run build`): the compiled whatsapp-server with the real Baileys driver\n' +
  '(`WHATSAPP_DRIVER=baileys`) against the local WhatsApp Web stand-in (`test/harness/fake-wa`), which runs in the\n' +
  'bench process, so the RSS (`/proc/<pid>/status`) and V8 heap used (`/metrics`, read after a forced full GC) are\n' +
  'the server\'s own. Each instance is paired by QR (one after the other), logs in and uploads its pre-keys; the\n' +
  'messages round pushes one incoming text per instance and sends one text per instance through\n' +
  '`POST /internal/send` (the call message-worker makes). Restart: SIGTERM, start again on the same Redis, time from\n' +
  'spawn until `/health` reports all N connected from the Redis auth state (no QR).\n';

function writeSection(r) {
  const date = new Date().toISOString().slice(0, 10);
  const mem = (m) => `${m.rssMb} / ${m.heapUsedMb} MB`;
  const run =
    `\n### ${date}: ${r.sessions} sessions, ${r.cpus} cores, node ${r.node}, load ${r.loadAverage.join(' ')}\n\n` +
    '| RSS / heap empty | 1 connected | all connected | per session (RSS / heap) | per session after the first | after 1 in + 1 out each | pair all | restart: all connected (no QR) | RSS / heap after restart |\n|---|---|---|---|---|---|---|---|---|\n' +
    `| ${mem(r.empty)} | ${mem(r.oneConnected)} | ${mem(r.allConnected)} | **${r.rssPerSessionMb}** / ${r.heapPerSessionMb} MB | ${r.rssPerFurtherSessionMb} / ${r.heapPerFurtherSessionMb} MB | ${mem(r.afterMessages)} (${r.messages.sent} sent) | ${r.pairSeconds} s | ${r.restart.allConnectedMs} ms (concurrency ${r.restoreConcurrency}, ${r.restart.qrConnections} QR) | ${mem(r.restart)} |\n`;
  const f = r.flood;
  const flood = f
    ? '\nInbound flood (Signal-encrypted, pkmsg then msg):\n\n' +
      '| per session | contacts each | messages in all | events | time | RSS / heap after the first step | after the last | growth per message (RSS / heap) | RSS by step |\n|---|---|---|---|---|---|---|---|---|\n' +
      `| ${f.perSession} | ${f.contacts} | ${f.perSession * r.sessions} | ${Object.entries(f.types).map(([k, v]) => `${v} ${k}`).join(', ')} (wire: ${Object.entries(f.wire).map(([k, v]) => `${v} ${k}`).join(', ')}) | ${f.seconds} s | ${mem(f.samples[0])} | ${mem(f.samples.at(-1))} | **${f.rssGrowthPerMessageKb}** / ${f.heapGrowthPerMessageKb} KB | ${f.samples.map((x) => x.rssMb).join(', ')} MB |\n`
    : '';
  updateBenchmarks((text) => appendToSection(text, 'Baileys sessions', run + flood, INTRO));
}

killChildrenOnSignal();
run()
  .catch((err) => {
    console.error(err);
    killChildren();
    process.exitCode = 1;
  })
  .finally(async () => {
    redis?.disconnect();
    await wa?.stop().catch(() => undefined);
    await cleanupPrefix(prefix).catch(() => undefined);
  });
