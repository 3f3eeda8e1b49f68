#!/usr/bin/env node
/**
 * The send budget under load: INSTANCES sandbox instances, each running a campaign at the same time
 * through one broadcast-worker (compiled processes from dist/, one Redis). From the sandbox's send
 * log it checks that no instance ever exceeded any cap (rolling minute, rolling hour, local day,
 * new chats, identical text per hour) nor sent closer than its gap; it reports pacing accuracy (the
 * jitter's shape) and broadcast-worker's CPU per send. Half the campaigns are templated, half send
 * one identical text (identical-content spreading holds them at IDENTICAL an hour).
 *
 * The caps are small and the run short (RUN_S seconds) so each rule binds within a minute or two.
 *
 *   npm run build && node bench/budget.js
 *   INSTANCES=50 RECIPIENTS=12 PER_MINUTE=5 PER_HOUR=9 IDENTICAL=4 GAP_MS=500 JITTER_MS=500 RUN_S=75 node bench/budget.js
 *   BENCH_APPEND=1 node bench/budget.js   # also append the result to BENCHMARKS.md ("Send budget")
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { randomBytes } = require('node:crypto');
const { requireBuild, serverEnv, sleep, freePort, startReady, stopChild, killChildren, killChildrenOnSignal, request, cpuMs, cleanupPrefix, updateBenchmarks, appendToSection } = require('./lib/common');

requireBuild('apps/whatsapp-server/main.js');
killChildrenOnSignal();

const n = (name, def) => Number(process.env[name] ?? def);
const P = {
  instances: n('INSTANCES', 50),
  recipients: n('RECIPIENTS', 12),
  perMinute: n('PER_MINUTE', 5),
  perHour: n('PER_HOUR', 9),
  perDay: n('PER_DAY', 1000),
  newChats: n('NEW_CHATS', 1000),
  identical: n('IDENTICAL', 4),
  gapMs: n('GAP_MS', 500),
  jitterMs: n('JITTER_MS', 500),
  runS: n('RUN_S', 75),
  latencyMs: n('SANDBOX_LATENCY_MS', 5),
};
const tag = randomBytes(3).toString('hex');
const prefix = `bench-budget-${tag}`;
const logFile = path.join(os.tmpdir(), `${prefix}-sandbox.jsonl`);
const ids = Array.from({ length: P.instances }, (_, i) => `bb-${i}`);
const phone = (inst, i) => `55119${String(inst).padStart(3, '0')}${String(i).padStart(5, '0')}`;

function sendLog() {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The most sends of `ats` (sorted) inside any window of `spanMs` (half-open, as the budget counts). */
function maxInWindow(ats, spanMs) {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < ats.length; hi++) {
    while (ats[hi] - ats[lo] >= spanMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

const localDay = (ms) => new Date(ms).toDateString();

function check(lines) {
  const byInstance = new Map(ids.map((id) => [id, []]));
  for (const l of lines) byInstance.get(l.instanceId)?.push(l);
  const violations = [];
  const gaps = [];
  let worst = { minute: 0, hour: 0, day: 0, identical: 0, minGapMs: Infinity };
  for (const [id, ls] of byInstance) {
    ls.sort((a, b) => a.at - b.at);
    const ats = ls.map((l) => l.at);
    const minute = maxInWindow(ats, 60_000);
    const hour = maxInWindow(ats, 3_600_000);
    const days = new Map();
    for (const a of ats) days.set(localDay(a), (days.get(localDay(a)) ?? 0) + 1);
    const day = Math.max(0, ...days.values());
    const texts = new Map();
    for (const l of ls) texts.set(l.text, [...(texts.get(l.text) ?? []), l.at]);
    const identical = Math.max(0, ...[...texts.values()].map((t) => maxInWindow(t, 3_600_000)));
    const g = ats.slice(1).map((t, i) => t - ats[i]);
    gaps.push(...g);
    const minGap = g.length ? Math.min(...g) : Infinity;
    if (minute > P.perMinute) violations.push(`${id}: ${minute} in a minute`);
    if (hour > P.perHour) violations.push(`${id}: ${hour} in an hour`);
    if (day > Math.min(P.perDay, P.newChats)) violations.push(`${id}: ${day} in a day`);
    if (identical > P.identical) violations.push(`${id}: one text ${identical} times in an hour`);
    if (minGap < P.gapMs) violations.push(`${id}: gap ${minGap} ms`);
    worst = { minute: Math.max(worst.minute, minute), hour: Math.max(worst.hour, hour), day: Math.max(worst.day, day), identical: Math.max(worst.identical, identical), minGapMs: Math.min(worst.minGapMs, minGap) };
  }
  return { violations, worst, gaps };
}

/** Gaps of the first burst (before a cap held): the pacer's gap plus the bell-shaped jitter. */
function pacing(gaps) {
  const burst = gaps.filter((g) => g < P.gapMs + P.jitterMs + 200);
  const mean = burst.reduce((a, b) => a + b, 0) / burst.length;
  const sd = Math.sqrt(burst.reduce((a, b) => a + (b - mean) ** 2, 0) / burst.length);
  const sorted = [...burst].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { gaps: burst.length, minMs: sorted[0], p10Ms: q(0.1), medianMs: q(0.5), p90Ms: q(0.9), maxMs: sorted[sorted.length - 1], meanMs: Math.round(mean), sdMs: Math.round(sd), expectedMeanMs: P.gapMs + P.jitterMs / 2, expectedJitterSdMs: Math.round(P.jitterMs / 6) };
}

async function main() {
  const port = await freePort();
  const env = serverEnv(prefix, port, {
    BROADCAST_WORKER_PORT: String(await freePort()),
    BROADCAST_CONCURRENCY: String(P.instances),
    SANDBOX_LATENCY_MS: String(P.latencyMs),
    SANDBOX_RECEIPT_DELAY_MS: '100',
    SANDBOX_LOG_FILE: logFile,
    PACING_MIN_GAP_MS: String(P.gapMs),
    PACING_JITTER_MS: String(P.jitterMs),
    BUDGET_PER_MINUTE: String(P.perMinute),
    BUDGET_PER_HOUR: String(P.perHour),
    BUDGET_PER_DAY: String(P.perDay),
    BUDGET_NEW_CHATS_PER_DAY: String(P.newChats),
    BUDGET_IDENTICAL_PER_HOUR: String(P.identical),
    BUDGET_WARMUP: 'off',
    CRON_HEARTBEAT: 'off',
  });
  const server = await startReady(requireBuild('apps/whatsapp-server/main.js'), env);
  for (const id of ids) {
    const r = await request(port, 'POST', '/instance/create', { instanceId: id });
    if (r.status !== 201) throw new Error(`create ${id}: ${r.status}`);
  }
  for (const id of ids) while ((await request(port, 'GET', `/instance/${id}/status`)).body.status !== 'connected') await sleep(50);
  const worker = await startReady(requireBuild('apps/broadcast-worker/main.js'), env);
  const cpu0 = cpuMs(worker.pid);
  const t0 = Date.now();
  await Promise.all(
    ids.map((id, k) => {
      const templated = k % 2 === 0;
      const contacts = Array.from({ length: P.recipients }, (_, i) => ({ phone: phone(k, i), name: `Cliente ${i}` }));
      return request(port, 'POST', '/queue/add-broadcast', { instanceId: id, campaignId: `c-${id}`, contacts, message: templated ? 'Olá {{name}}, novidades!' : 'Promoção de hoje: 20% de desconto!' });
    }),
  );
  // a progress line every 15 s while the rules bind
  while (Date.now() - t0 < P.runS * 1000) {
    await sleep(15_000);
    const s = (await request(port, 'GET', `/broadcast-status/c-${ids[0]}`)).body;
    console.error(`${Math.round((Date.now() - t0) / 1000)} s: ${sendLog().length} sends; c-${ids[0]}: sent ${s.sent}, ${s.pauseReason ?? s.status}, eta ${s.etaSeconds} s`);
  }
  const cpu1 = cpuMs(worker.pid);
  const lines = sendLog();
  const summaries = await Promise.all(ids.map(async (id) => (await request(port, 'GET', `/broadcast-status/c-${id}`)).body));
  const reasons = {};
  for (const s of summaries) reasons[s.pauseReason ?? s.status] = (reasons[s.pauseReason ?? s.status] ?? 0) + 1;
  const budget = (await request(port, 'GET', `/instance/${ids[0]}/budget`)).body;
  await stopChild(worker);
  await stopChild(server);
  const { violations, worst, gaps } = check(lines);
  return {
    params: P,
    sends: lines.length,
    durationS: Math.round((Date.now() - t0) / 1000),
    worst,
    violations,
    pacing: pacing(gaps),
    holds: reasons,
    cpu: { workerMs: Math.round(cpu1 - cpu0), perSendMs: +((cpu1 - cpu0) / Math.max(lines.length, 1)).toFixed(2), perSecondMs: Math.round((cpu1 - cpu0) / P.runS) },
    sample: { instance: ids[0], used: budget.used, caps: budget.caps, hold: budget.hold, health: budget.health?.score },
  };
}

function markdown(r) {
  const cpu = os.cpus();
  const p = r.params;
  return [
    `### Run ${new Date().toISOString().slice(0, 10)} (${cpu.length} × ${cpu[0]?.model.trim()}, node ${process.version}, load average at the end ${os.loadavg()[0].toFixed(1)})`,
    '',
    `${p.instances} sandbox instances, each with a campaign of ${p.recipients} recipients (half templated, half one identical text), all at once through one broadcast-worker for ${r.durationS} s. Caps: ${p.perMinute} a minute, ${p.perHour} an hour, ${p.perDay} a day, ${p.newChats} new chats a day, ${p.identical} identical texts an hour; gap ${p.gapMs} ms + jitter 0-${p.jitterMs} ms; sandbox latency ${p.latencyMs} ms.`,
    '',
    '| sends | most in a rolling minute | in an hour | in a day | one text in an hour | smallest gap | violations |',
    '|---|---|---|---|---|---|---|',
    `| ${r.sends} | ${r.worst.minute} (cap ${p.perMinute}) | ${r.worst.hour} (cap ${p.perHour}) | ${r.worst.day} | ${r.worst.identical} (cap ${p.identical}) | ${r.worst.minGapMs} ms (gap ${p.gapMs}) | ${r.violations.length} |`,
    '',
    `Campaigns at the end: ${Object.entries(r.holds).map(([k, v]) => `${v} ${k}`).join(', ')}.`,
    '',
    `Pacing (gaps of the bursts, ${r.pacing.gaps} gaps): min ${r.pacing.minMs} ms, p10 ${r.pacing.p10Ms}, median ${r.pacing.medianMs}, p90 ${r.pacing.p90Ms}, max ${r.pacing.maxMs}; mean ${r.pacing.meanMs} ms (expected ${r.pacing.expectedMeanMs} + the send's own time), standard deviation ${r.pacing.sdMs} ms (the jitter alone: ${r.pacing.expectedJitterSdMs} ms).`,
    '',
    `broadcast-worker CPU: ${r.cpu.workerMs} ms over the run, **${r.cpu.perSendMs} ms per send** (including the held campaigns asking the budget every second), ${r.cpu.perSecondMs} ms of CPU per second.`,
    '',
  ].join('\n');
}

main()
  .then((res) => {
    console.log(JSON.stringify({ ...res }, null, 2));
    const md = markdown(res);
    console.log(md);
    if (process.env.BENCH_APPEND) updateBenchmarks((text) => appendToSection(text, 'Send budget', md, '\nMeasured with `node bench/budget.js` (see its header for the knobs).\n\n'));
    if (res.violations.length) process.exitCode = 1;
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    killChildren();
    await cleanupPrefix(prefix).catch(() => undefined);
    fs.rmSync(logFile, { force: true });
  });
