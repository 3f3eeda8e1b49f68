#!/usr/bin/env node
/**
 * App-state sync: what the first login's history + app-state sync costs whatsapp-server in memory.
 * The compiled server with the real Baileys driver against the stand-in (test/harness/fake-wa, in this
 * process), one variant per fresh server process:
 *   none       the phone sends no history (stand-in history: false): rc14 waits 20 s, then goes online
 *              without the app-state sync, as the daemon did before it accepted RECENT (socket-config.ts);
 *   sync-0     key share + empty bootstrap history, app state = our push name only;
 *   sync-<N>   N contacts in the app state (contactAction with lidJid: N LID mappings) and a bootstrap
 *              history of CHATS conversations with MSGS messages each (never turned into events).
 * Each variant pairs SESSIONS instances one after the other and waits until each finished its sync
 * (push name in the instance view, 2 lid-mapping fields per contact in Redis). Readings after a full
 * GC (SIGUSR2 -> gc(), bench-only hook): RSS and V8 heap used; VmHWM (peak RSS of the process so far)
 * shows the transient cost of decoding; Redis: bytes of the instance's auth hashes (MEMORY USAGE).
 *
 *   node bench/app-state-sync.js                      # SESSIONS=3, CONTACTS=1000,5000, CHATS=200, MSGS=5
 *   CONTACTS=500 SESSIONS=1 node bench/app-state-sync.js
 *   BASELINES=0 CHATS=0 node bench/app-state-sync.js  # only the contact variants, no bootstrap chats
 *   BENCH_APPEND=1 node bench/app-state-sync.js       # also write the result to BENCHMARKS.md ("App-state sync")
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const IORedis = require('ioredis');
const { root, REDIS_URL, API_KEY, requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, killChildrenOnSignal, request, rssMb, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

const main = requireBuild('apps/whatsapp-server/main.js');
const PRELOAD = path.join(root, 'test', 'harness', 'preload.mjs');
const HARNESS = pathToFileURL(path.join(root, 'test', 'harness', 'fake-wa', 'index.mjs')).href;
const GC_HOOK = `data:text/javascript,${encodeURIComponent("process.on('SIGUSR2', () => globalThis.gc())")}`;

const SESSIONS = Number(process.env.SESSIONS ?? 3);
const CONTACT_COUNTS = String(process.env.CONTACTS ?? '1000,5000').split(',').filter(Boolean).map(Number);
const CHATS = Number(process.env.CHATS ?? 200);
const MSGS = Number(process.env.MSGS ?? 5);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
const PUSH_NAME = 'Loja Bench';
const round = (x) => Number(x.toFixed(1));
const phoneOf = (v, i) => `55118${String(v).padStart(2, '0')}${String(i).padStart(6, '0')}`;
const contactPhone = (k) => `55219${String(k).padStart(8, '0')}`;
const contactLid = (k) => String(205000000000000 + k);

let redis;

function peakMb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function memory(server) {
  await sleep(SETTLE_MS);
  server.child.kill('SIGUSR2');
  await sleep(500);
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
  const heap = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text)?.[1] ?? NaN);
  return { rssMb: round(rssMb(server.child.pid)), heapUsedMb: round(heap / 1024 / 1024), peakRssMb: round(peakMb(server.child.pid)) };
}

async function waitUntil(fn, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

function historyOf(contacts) {
  const list = Array.from({ length: contacts }, (_, k) => ({ phone: contactPhone(k), lid: contactLid(k), name: `Contato ${k}` }));
  const conversations = contacts
    ? Array.from({ length: CHATS }, (_, c) => ({ with: contactPhone(c % contacts), name: `Contato ${c}`, messages: Array.from({ length: MSGS }, (_, m) => ({ text: `mensagem antiga ${m} da conversa ${c}`, fromMe: m % 2 === 1 })) }))
    : [];
  return { pushName: PUSH_NAME, contacts: list, conversations };
}

/** Bytes Redis holds for an instance's auth state (creds + every key hash). */
async function redisBytes(prefix, id) {
  let total = 0;
  const byType = {};
  for await (const keys of redis.scanStream({ match: `${prefix}:x:auth:${id}:*`, count: 1000 })) {
    for (const key of keys) {
      const bytes = Number(await redis.memory('USAGE', key, 'SAMPLES', '0')) || 0;
      total += bytes;
      const type = key.split(':keys:')[1];
      if (type) byType[type] = (byType[type] ?? 0) + bytes;
    }
  }
  return { totalKb: round(total / 1024), lidMappingKb: round((byType['lid-mapping'] ?? 0) / 1024), appStateKb: round(((byType['app-state-sync-version'] ?? 0) + (byType['app-state-sync-key'] ?? 0)) / 1024) };
}

async function variant(H, v, name, history, contacts) {
  const wa = await new H.FakeWaServer({ phone: phoneOf(v, 0), preKeyCount: 50, history }).start();
  const prefix = `bench-appstate-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const env = serverEnv(prefix, port, {
    WHATSAPP_DRIVER: 'baileys',
    WA_WEBSOCKET_URL: wa.url,
    WA_VERSION: '2.3000.1023456789',
    WA_VERSION_FETCH_TIMEOUT_MS: '0',
    WA_LOG_LEVEL: 'silent',
    FAKE_WA_PUBLIC_KEY: wa.publicKeyBase64,
    RESTORE_JITTER_MS: '0',
  });
  const server = { child: await startReady(main, env, ['--expose-gc', '--import', GC_HOOK, '--import', PRELOAD]), port };
  try {
    const empty = await memory(server);
    const t = Date.now();
    let first;
    // RSS every 25 ms while the first instance pairs and syncs: its rise is what one sync costs the process
    const rssNow = () => rssMb(server.child.pid);
    const firstSync = { beforeMb: 0, peakMb: 0 };
    const sampler = setInterval(() => (firstSync.peakMb = Math.max(firstSync.peakMb, rssNow())), 25);
    for (let i = 0; i < SESSIONS; i++) {
      const id = `bench-${i}`;
      const since = wa.connections.length;
      const created = await request(port, 'POST', '/instance/create', { instanceId: id });
      if (created.status !== 201) throw new Error(`create ${id}: ${created.status}`);
      const register = await wa.waitForConnection({ kind: 'register', since, timeoutMs: 30_000 });
      const qr = await waitUntil(async () => (await request(port, 'GET', `/instance/${id}/qr`)).body?.qr, `QR of ${id}`);
      if (i === 0) firstSync.beforeMb = firstSync.peakMb = rssNow(); // Baileys is loaded once the QR shows
      await register.scanQr(qr, { phone: phoneOf(v, i), device: 1 });
      await waitUntil(async () => (await request(port, 'GET', `/instance/${id}/status`)).body?.status === 'connected', `${id} connected`);
      if (history) {
        await waitUntil(async () => (await request(port, 'GET', `/instance/${id}/status`)).body?.instance?.me?.name === PUSH_NAME, `${id} push name`);
        // LID mappings are stored one lid-mapping.update at a time (Socket/chats.js:1129-1136): wait for all
        await waitUntil(async () => (await redis.hlen(`${prefix}:x:auth:${id}:keys:lid-mapping`)) >= 2 * contacts, `${id} ${contacts} LID mappings`);
      } else {
        // no history notification: rc14 buffers 20 s, then goes online without the sync (Socket/chats.js:1096-1106)
        await sleep(21_000);
      }
      if (i === 0) {
        clearInterval(sampler);
        firstSync.seconds = round((Date.now() - t) / 1000);
        first = await memory(server);
      }
    }
    const syncSeconds = round((Date.now() - t) / 1000);
    const all = await memory(server);
    const stored = await redisBytes(prefix, 'bench-0');
    const lidMappings = (await redis.hlen(`${prefix}:x:auth:bench-0:keys:lid-mapping`)) / 2;
    firstSync.riseMb = round(firstSync.peakMb - firstSync.beforeMb);
    return { name, contacts, sessions: SESSIONS, empty, first, all, firstSync, syncSeconds, stored, lidMappings, perSessionRssMb: round((all.rssMb - empty.rssMb) / SESSIONS), perSessionHeapMb: Number(((all.heapUsedMb - empty.heapUsedMb) / SESSIONS).toFixed(2)),
      // the first session also loads Baileys (import() on first use): later ones are the per-session cost
      perFurtherRssMb: SESSIONS > 1 ? round((all.rssMb - first.rssMb) / (SESSIONS - 1)) : null,
      perFurtherHeapMb: SESSIONS > 1 ? Number(((all.heapUsedMb - first.heapUsedMb) / (SESSIONS - 1)).toFixed(2)) : null };
  } finally {
    await stopChild(server.child);
    await wa.stop();
    await cleanupPrefix(prefix).catch(() => undefined);
  }
}

async function run() {
  const H = await import(HARNESS);
  redis = new IORedis(REDIS_URL);
  const results = [];
  if (process.env.BASELINES !== '0') {
    results.push(await variant(H, 0, 'none (no history, no app-state sync)', false, 0));
    results.push(await variant(H, 1, 'sync, push name only', historyOf(0), 0));
  }
  let v = 2;
  for (const n of CONTACT_COUNTS) results.push(await variant(H, v++, CHATS ? `sync, ${n} contacts + ${CHATS} chats x ${MSGS} msgs` : `sync, ${n} contacts, no chats`, historyOf(n), n));
  const out = { sessions: SESSIONS, chats: CHATS, msgs: MSGS, results, cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))) };
  console.log(JSON.stringify(out, null, 2));
  if (process.env.BENCH_APPEND) writeSection(out);
}

const INTRO =
  '\n' +
  '`node bench/app-state-sync.js` (after `npm run build`): what the first login\'s history + app-state sync costs\n' +
  'whatsapp-server (real Baileys driver, stand-in in the bench process). Variants, each a fresh server pairing SESSIONS\n' +
  'instances one after the other: the phone sends no history (rc14 goes online after 20 s without the sync, as before\n' +
  'the daemon accepted RECENT history); the sync with only our push name; the sync with N contacts in the app state\n' +
  '(each a LID mapping) and a bootstrap history of chats with messages (never turned into events). RSS / heap after a\n' +
  'full GC; rise = RSS sampled every 25 ms during the first pair + sync; peak = VmHWM (highest RSS so far); Redis = the first\n' +
  'instance\'s auth hashes.\n';

function writeSection(r) {
  const date = new Date().toISOString().slice(0, 10);
  const mem = (m) => `${m.rssMb} / ${m.heapUsedMb} MB`;
  const rows = r.results
    .map((x) => `| ${x.name} | ${mem(x.empty)} | ${mem(x.first)} | ${mem(x.all)} | ${x.perSessionRssMb} / ${x.perSessionHeapMb} MB | **${x.perFurtherRssMb}** / ${x.perFurtherHeapMb} MB | +${x.firstSync.riseMb} MB in ${x.firstSync.seconds} s | ${x.all.peakRssMb} MB | ${x.lidMappings} | ${x.stored.totalKb} KB (lid-mapping ${x.stored.lidMappingKb}, app state ${x.stored.appStateKb}) | ${x.syncSeconds} s |`)
    .join('\n');
  const section =
    `\n### ${date}: ${r.sessions} sessions per variant, ${r.cpus} cores, node ${r.node}, load ${r.loadAverage.join(' ')}\n\n` +
    '| variant | RSS / heap empty | 1 synced | all synced | per session (RSS / heap) | per session after the first | RSS rise during the first pair + sync | peak RSS (VmHWM) | LID mappings | Redis per instance | pair + sync all |\n|---|---|---|---|---|---|---|---|---|---|---|\n' +
    `${rows}\n`;
  updateBenchmarks((text) => appendToSection(text, 'App-state sync', section, INTRO));
}

killChildrenOnSignal();
run()
  .catch((err) => {
    console.error(err);
    killChildren();
    process.exitCode = 1;
  })
  .finally(() => redis?.disconnect());
