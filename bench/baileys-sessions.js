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
 *   HEAP_SNAPSHOTS=1 N=10 node bench/baileys-sessions.js  # + server heap snapshots after the first and last flood step
 *                                                  #   (compare: node bench/lib/heap-summary.js a.heapsnapshot b.heapsnapshot)
 *   HEAP_SPACES=1 ...                              # + V8 heap spaces (committed / used) at each reading, on stderr
 *   SERVER_NODE_ARGS='--max-semi-space-size=64' ...  # other server V8 flags than ecosystem.config.js's (A/B)
 *
 * Steps: start (empty) -> RSS; pair the first (loads Baileys) -> RSS; create + pair the others one
 * after the other (QR scanned by the stand-in, 515, login, pre-key upload) -> RSS; one incoming text
 * per instance (stand-in -> server) and one outgoing text per instance (POST /internal/send, the call
 * message-worker makes) -> RSS; the inbound flood (INBOUND=1000 Signal-encrypted messages per session from
 * CONTACTS=10 contacts, in STEPS=10 rounds, RSS after each: growth per message; INBOUND=0 skips it);
 * SIGTERM, start again -> time until all N are connected without a QR
 * -> RSS. Before each reading the server runs a full GC (SIGUSR2 -> gc(), a bench-only hook given
 * on its command line), so the heap figure is live data rather than garbage not yet collected; the
 * hook also reports process.memoryUsage() (V8 heap committed, external/Buffers), so RSS far above the
 * live heap can be placed. The flood's messages carry their own ids, so its events are counted exactly
 * (message.received, message.undecryptable by error) and the stand-in's retry resends are counted.
 */
const fs = require('node:fs');
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
// bench-only: a full GC on SIGUSR2, so readings compare live memory (nothing in the app uses SIGUSR2);
// it then writes process.memoryUsage() (rss, heapUsed, external, arrayBuffers) to a file named by its pid,
// so RSS far above the heap can be told apart: Buffers (external) or the allocator (neither)
const MEM_DIR = os.tmpdir();
const GC_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; import { getHeapStatistics, getHeapSpaceStatistics } from 'node:v8';" +
    `process.on('SIGUSR2', () => { globalThis.gc(); const h = getHeapStatistics(); writeFileSync(${JSON.stringify(MEM_DIR)} + '/bench-mem-' + process.pid + '.json', JSON.stringify({ ...process.memoryUsage(), heapPhysical: h.total_physical_size, malloced: h.malloced_memory, spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, [x.space_size, x.space_used_size, x.physical_space_size]])) })); })`,
)}`;
// HEAP_SNAPSHOTS=1: a V8 heap snapshot of the server after the first and the last flood step
// (--heapsnapshot-signal=SIGUSR1, written to HEAP_SNAPSHOT_DIR, default the OS temp dir) to compare
// retained size by constructor in Chrome DevTools or bench/lib/heap-summary.js
const HEAP_SNAPSHOTS = Boolean(process.env.HEAP_SNAPSHOTS);
// the server's node/V8 flags: those PM2 gives whatsapp-server (ecosystem.config.js node_args), or
// SERVER_NODE_ARGS='--max-semi-space-size=64 ...' instead (SERVER_NODE_ARGS= for none), to compare GC settings
const SERVER_NODE_ARGS =
  process.env.SERVER_NODE_ARGS !== undefined
    ? process.env.SERVER_NODE_ARGS.split(/\s+/).filter(Boolean)
    : (require(path.join(root, 'ecosystem.config.js')).apps.find((a) => a.name === 'whatsapp-server').node_args ?? []);
const HEAP_SNAPSHOT_DIR = process.env.HEAP_SNAPSHOT_DIR ?? os.tmpdir();

let wa;
let redis;
/** the stand-in's answers to the client's retry receipts (a message the client could not decrypt, sent again) */
let retryResends = 0;

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
  const snapshotArgs = HEAP_SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${HEAP_SNAPSHOT_DIR}`] : [];
  const child = await startReady(main, env, ['--expose-gc', ...snapshotArgs, ...SERVER_NODE_ARGS, '--import', GC_HOOK, '--import', PRELOAD]);
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
  const usage = readUsage(server.child.pid);
  if (process.env.HEAP_SPACES && usage) console.error(JSON.stringify({ rssMb: round(rssMb(server.child.pid)), spaces: Object.fromEntries(Object.entries(usage.spaces).map(([k, v]) => [k, v.map((x) => round(x / 1048576))])) }));
  const mb = (x) => (x == null ? null : round(x / 1024 / 1024));
  return { rssMb: round(rssMb(server.child.pid)), heapUsedMb: round(heap / 1024 / 1024), heapTotalMb: mb(usage?.heapTotal), externalMb: mb(usage?.external), arrayBuffersMb: mb(usage?.arrayBuffers) };
}

function readUsage(pid) {
  try {
    return JSON.parse(fs.readFileSync(path.join(MEM_DIR, `bench-mem-${pid}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** SIGUSR1 -> the server writes a heap snapshot (synchronously: it answers /health again once done). */
async function heapSnapshot(server, label) {
  if (!HEAP_SNAPSHOTS) return;
  const before = new Set(fs.readdirSync(HEAP_SNAPSHOT_DIR));
  server.child.kill('SIGUSR1');
  await sleep(1000);
  await request(server.port, 'GET', '/health');
  const file = fs.readdirSync(HEAP_SNAPSHOT_DIR).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
  console.error(`heap snapshot (${label}): ${file ? path.join(HEAP_SNAPSHOT_DIR, file) : 'none written'}`);
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
  const events = floodEvents();
  const resendsBefore = retryResends;
  for (let step = 0; step < STEPS; step++) {
    const stepStart = Date.now();
    for (let i = 0; i < N; i++) {
      const conn = loginOf(i);
      for (let k = 0; k < perStep; k++) conn.pushMessage({ id: floodId(i, step, k), from: contactOf((step * perStep + k) % CONTACTS), text: `Mensagem ${step}.${k} para ${i}`, pushName: 'Ana' });
    }
    pushed += N * perStep;
    await Promise.all(ids.map((_, i) => loginOf(i).flush()));
    await waitUntil(async () => (await events.scan()).ids.size >= pushed, `inbound step ${step} published`, 300_000);
    const seconds = (Date.now() - stepStart) / 1000;
    samples.push({ messages: pushed / N, perSecond: Math.round((N * perStep) / seconds), ...(await memory(server)) });
    // after the first round each session answers each contact once, so the contacts' later messages
    // are plain Signal messages (msg) instead of pre-key messages (libsignal pendingPreKey)
    if (step === 0) await heapSnapshot(server, `after step ${step}`);
    if (step === STEPS - 1) await heapSnapshot(server, `after step ${step}`);
    if (step === 0) await replyToContacts(server);
  }
  const { types, ids: flooded, undecryptable } = await events.scan();
  if (flooded.size !== pushed) console.error(`flood: ${flooded.size} of ${pushed} message ids were received`);
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
    received: flooded.size,
    undecryptable,
    retryResends: retryResends - resendsBefore,
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

/** The flood's message ids: its own prefix (hex, as WhatsApp's), so its events are told apart from the rest. */
const FLOOD_PREFIX = '3EB0F1';
const floodId = (i, step, k) => `${FLOOD_PREFIX}${String(i).padStart(4, '0')}${String(step).padStart(3, '0')}${String(k).padStart(5, '0')}`;

/**
 * The events published for the flood's messages, exactly: every webhook job whose data carries a
 * flood message id, by event type (message.received, message.undecryptable, ...), and the distinct ids
 * that got one. No webhook-worker runs here, so the wait list only grows (Bull LPUSHes new jobs at
 * its head): each scan reads only the jobs added since the last one. (The count used to be the event
 * types of the newest N jobs, where heartbeats took the place of flood messages, and the wait for a
 * step used Bull's job id counter, which heartbeats also advance, so it could end before the step
 * was all decrypted.)
 */
function floodEvents() {
  const types = {};
  const ids = new Set();
  const undecryptable = {}; // message.undecryptable by its error (Baileys' messageStubParameters[0])
  let seen = 0;
  const scan = async () => {
    const key = `${prefix}:webhook:wait`;
    // all but the `seen` oldest (counted from the tail, which does not move while jobs are added)
    const fresh = await redis.lrange(key, 0, -(seen + 1));
    seen += fresh.length;
    for (let at = 0; at < fresh.length; at += 1000) {
      const pipe = redis.pipeline();
      for (const id of fresh.slice(at, at + 1000)) pipe.hget(`${prefix}:webhook:${id}`, 'data');
      for (const [, data] of await pipe.exec()) {
        const event = data ? JSON.parse(data).event : undefined;
        const messageId = event?.data?.messageId;
        if (typeof messageId !== 'string' || !messageId.startsWith(FLOOD_PREFIX)) continue;
        types[event.type] = (types[event.type] ?? 0) + 1;
        if (event.type === 'message.undecryptable') undecryptable[event.data.error] = (undecryptable[event.data.error] ?? 0) + 1;
        // an id counts once it decrypted; an undecryptable one may still arrive after the retry resend
        if (event.type === 'message.received') ids.add(messageId);
      }
    }
    return { types, ids, undecryptable };
  };
  return { scan };
}

async function run() {
  const H = await import(HARNESS);
  wa = await new H.FakeWaServer({ phone: phoneOf(0) }).start();
  wa.on('retry-resend', () => retryResends++);
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
    serverNodeArgs: SERVER_NODE_ARGS,
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
    `\n### ${date}: ${r.sessions} sessions, ${r.cpus} cores, node ${r.node}, load ${r.loadAverage.join(' ')}${r.serverNodeArgs.length ? `, server flags \`${r.serverNodeArgs.join(' ')}\`` : ''}\n\n` +
    '| RSS / heap empty | 1 connected | all connected | per session (RSS / heap) | per session after the first | after 1 in + 1 out each | pair all | restart: all connected (no QR) | RSS / heap after restart |\n|---|---|---|---|---|---|---|---|---|\n' +
    `| ${mem(r.empty)} | ${mem(r.oneConnected)} | ${mem(r.allConnected)} | **${r.rssPerSessionMb}** / ${r.heapPerSessionMb} MB | ${r.rssPerFurtherSessionMb} / ${r.heapPerFurtherSessionMb} MB | ${mem(r.afterMessages)} (${r.messages.sent} sent) | ${r.pairSeconds} s | ${r.restart.allConnectedMs} ms (concurrency ${r.restoreConcurrency}, ${r.restart.qrConnections} QR) | ${mem(r.restart)} |\n`;
  const f = r.flood;
  const flood = f
    ? '\nInbound flood (Signal-encrypted, pkmsg then msg):\n\n' +
      '| per session | contacts each | messages in all | events of the flood\'s ids | time | RSS / heap after the first step | after the last | growth per message (RSS / heap) | RSS by step | V8 heap committed / external after the last |\n|---|---|---|---|---|---|---|---|---|---|\n' +
      `| ${f.perSession} | ${f.contacts} | ${f.perSession * r.sessions} | ${Object.entries(f.types).map(([k, v]) => `${v} ${k}`).join(', ')}; ${f.received} ids received${Object.keys(f.undecryptable).length ? ` (undecryptable: ${Object.entries(f.undecryptable).map(([k, v]) => `${v} "${k}"`).join(', ')})` : ''}; ${f.retryResends} retry resends (wire: ${Object.entries(f.wire).map(([k, v]) => `${v} ${k}`).join(', ')}) | ${f.seconds} s | ${mem(f.samples[0])} | ${mem(f.samples.at(-1))} | **${f.rssGrowthPerMessageKb}** / ${f.heapGrowthPerMessageKb} KB | ${f.samples.map((x) => x.rssMb).join(', ')} MB | ${f.samples.at(-1).heapTotalMb} / ${f.samples.at(-1).externalMb} MB |\n`
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
