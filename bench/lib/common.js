/**
 * What the benches share: the compiled build they run, the throwaway credentials and Redis they
 * run against, free ports, child processes started as PM2 would (own process, 'ready' over IPC),
 * per-process CPU and RSS from /proc, Redis cleanup of a prefix, and BENCHMARKS.md sections.
 * Plain CommonJS so `node bench/<name>.js` runs without a build step of its own.
 */
const path = require('node:path');
const fs = require('node:fs');
const http = require('node:http');
const { spawn } = require('node:child_process');
const IORedis = require('ioredis');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_KEY = 'bench-api-key-0123456789';
const INTERNAL_TOKEN = 'bench-internal-token-0123456789';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

/** Path of a compiled file under dist/; exits with a hint when the build is missing. */
function requireBuild(rel) {
  const file = path.join(dist, rel);
  if (!fs.existsSync(file)) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(1);
  }
  return file;
}

/** Settings every process of ours needs, on a throwaway queue prefix. */
/** The send budget's caps and warm-up off: throughput benches measure the daemon, not the anti-ban rules (bench/budget.js turns them on). */
const BUDGET_OFF = { BUDGET_PER_MINUTE: '0', BUDGET_PER_HOUR: '0', BUDGET_PER_DAY: '0', BUDGET_NEW_CHATS_PER_DAY: '0', BUDGET_IDENTICAL_PER_HOUR: '0', BUDGET_WARMUP: 'off' };

function baseEnv(prefix, extra = {}) {
  // load generators send far more than API_RATE_LIMIT_PER_MIN (1000/min): the limit is off here
  return { REDIS_URL, QUEUE_PREFIX: prefix, API_KEY, INTERNAL_TOKEN, WEBHOOK_SECRET, LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_MIN: '0', ...BUDGET_OFF, ...extra };
}

/** baseEnv plus whatsapp-server on loopback with the sandbox driver, linked at once. */
function serverEnv(prefix, port, extra = {}) {
  return baseEnv(prefix, { HOST: '127.0.0.1', SERVER_PORT: String(port), WHATSAPP_DRIVER: 'sandbox', SANDBOX_LINK_DELAY_MS: '0', ...extra });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Every child started here, so an interrupted or failed run can take them with it. */
const children = new Set();

/** Starts `node [nodeArgs] script` with env over process.env; resolves once it sends 'ready' (IPC). */
function startReady(script, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', (m) => m === 'ready' && resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** SIGTERM and wait for the exit; resolves with the exit code (undefined if it had already gone). */
function stopChild(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', r));
}

function killChildren() {
  for (const c of children) c.kill('SIGKILL');
}

/** An interrupted run (Ctrl-C, timeout) takes its servers with it. */
function killChildrenOnSignal() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      killChildren();
      process.exit(130);
    });
  }
}

/** JSON request with the bench API key (or another bearer token); a string body is sent as is. */
async function request(port, method, p, body, token = API_KEY) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** user+system CPU of a process in ms, from /proc (undefined elsewhere) */
function cpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Redis server's own user+system CPU in ms (INFO cpu): Redis work a run causes. */
async function redisCpuMs(r) {
  const info = await r.info('cpu');
  const get = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}

/** Redis INFO commandstats as { command: calls } (cmdstat_evalsha:calls=3,... -> evalsha: 3). */
async function redisCommandCalls(r) {
  const info = await r.info('commandstats');
  const out = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Calls per operation between two redisCommandCalls snapshots, largest first ('evalsha 2.00, hset 1.00'). */
function commandsPer(before, after, n, skip = ['info']) {
  const rows = Object.keys(after)
    .filter((k) => !skip.includes(k))
    .map((k) => [k, (after[k] - (before[k] ?? 0)) / n])
    .filter(([, v]) => v >= 0.005)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, v]) => s + v, 0);
  return { total: +total.toFixed(2), text: rows.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') };
}

/** The median of numbers (mean of the middle two for an even count). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** '1.2 0.9 0.8': the 1, 5 and 15 minute load averages (how busy the machine was around a run). */
function loadAverage() {
  return require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** Deletes every key under a bench prefix (Bull's and ours). */
async function cleanupPrefix(prefix) {
  const redis = new IORedis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Rewrites BENCHMARKS.md with edit(text) (a fresh file starts with its title). */
function updateBenchmarks(edit) {
  const file = path.join(root, 'BENCHMARKS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  fs.writeFileSync(file, edit(text));
}

/**
 * text with content added at the end of the section `## <title>` (before the next `## `), the
 * section first created at the end with `intro` when missing. Runs of a bench stay together.
 */
function appendToSection(text, title, content, intro = '') {
  const header = `\n## ${title}\n`;
  if (!text.includes(header)) text = `${text.replace(/\n*$/, '\n')}${header}${intro}`;
  const start = text.indexOf(header);
  const next = text.indexOf('\n## ', start + header.length - 1);
  const at = next === -1 ? text.length : next;
  return text.slice(0, at).replace(/\n*$/, '\n') + content + text.slice(at);
}

module.exports = {
  root,
  dist,
  REDIS_URL,
  API_KEY,
  INTERNAL_TOKEN,
  WEBHOOK_SECRET,
  requireBuild,
  baseEnv,
  serverEnv,
  sleep,
  freePort,
  children,
  startReady,
  stopChild,
  killChildren,
  killChildrenOnSignal,
  request,
  cpuMs,
  rssMb,
  redisCpuMs,
  redisCommandCalls,
  commandsPer,
  median,
  loadAverage,
  cleanupPrefix,
  updateBenchmarks,
  appendToSection,
};
