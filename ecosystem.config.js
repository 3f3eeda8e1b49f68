/**
 * PM2 ecosystem: the four processes of the daemon, each a fork-mode process with one instance.
 * SERVER_SHARDS=N (default 1) runs whatsapp-server as N fork processes (shards): whatsapp-server
 * (SHARD_INDEX 0), whatsapp-server-1 ... whatsapp-server-(N-1), shard i on SHARD_PORT_BASE + i;
 * SERVER_PORT goes to whichever shard holds it (docs/shards.md). With 1, nothing changes.
 * Environment: `.env` (or the file named by ENV_FILE), overridden by variables set in the shell
 * that runs `pm2 start`, so scripts and tests can point a copy at other ports and prefixes.
 */
const fs = require('node:fs');
const path = require('node:path');

function readEnvFile(file) {
  const out = {};
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

const root = __dirname;
const fileEnv = readEnvFile(path.resolve(root, process.env.ENV_FILE || '.env'));
const known = new Set([...Object.keys(readEnvFile(path.join(root, '.env.example'))), ...Object.keys(fileEnv)]);
const shellEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => known.has(k)));
const env = { NODE_ENV: 'production', ...fileEnv, ...shellEnv };
const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS || 20000);

const app = (name, memory, extraEnv = {}) => ({
  name,
  script: path.join(root, 'dist', 'apps', name, 'main.js'),
  cwd: root,
  exec_mode: 'fork',
  instances: 1,
  autorestart: true,
  max_memory_restart: memory,
  // PM2 waits for process.send('ready'): sent once the port listens and Redis is connected.
  wait_ready: true,
  listen_timeout: 60000,
  // SIGINT first; our shutdown finishes active jobs within SHUTDOWN_TIMEOUT_MS, PM2 kills after this.
  kill_timeout: shutdownMs + 5000,
  exp_backoff_restart_delay: 200,
  max_restarts: 1000,
  min_uptime: 5000,
  merge_logs: true,
  env: { ...env, ...extraEnv },
});

const shards = Math.max(1, Math.min(32, Number.parseInt(env.SERVER_SHARDS || '1', 10) || 1));
// whatsapp-server's V8 flags. --compact-on-every-full-gc: a burst of inbound messages (an offline
// backlog after a reconnect, a flood) leaves V8's old space fragmented: pages that each keep a few
// survivors (Baileys' recent-message cache entries, 5 min, lib/Utils/message-retry-manager.js:33-44;
// Signal session records) stay committed after the burst is garbage, and V8's default heuristics
// evacuate few of them, so RSS stayed at the burst's peak (BENCHMARKS.md "Baileys sessions",
// 2026-12-01: 20 sessions x 400 encrypted messages, old space 279 MB committed for 61 MB live,
// RSS 425 MB; with this flag 63 MB committed, RSS 209 MB, same throughput; 100 sessions x 1,000
// messages: 2.3-2.5 GB RSS after the flood, past max_memory_restart, with it 688 MB for 421 MB
// live). The cost is copying the live heap at each full GC.
// MALLOC_ARENA_MAX=2 was measured too and changed nothing (the growth is V8 heap, not malloc).
// No --max-old-space-size: at 1050 MB (70 % of max_memory_restart) the 100-session flood ended in a
// V8 out-of-memory crash: during a burst the queued messages themselves are live (about 1 GB for
// 10,000 queued at once), not only garbage.
const SERVER_NODE_ARGS = ['--compact-on-every-full-gc'];
const servers = Array.from({ length: shards }, (_, i) =>
  Object.assign(app('whatsapp-server', env.SERVER_MAX_MEMORY || '1500M', { SHARD_INDEX: String(i) }), { node_args: SERVER_NODE_ARGS }, i === 0 ? {} : { name: `whatsapp-server-${i}` }),
);

module.exports = {
  apps: [
    ...servers,
    app('message-worker', env.WORKER_MAX_MEMORY || '512M'),
    app('webhook-worker', env.WORKER_MAX_MEMORY || '512M'),
    app('broadcast-worker', env.WORKER_MAX_MEMORY || '512M'),
  ],
};
