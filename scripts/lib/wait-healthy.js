#!/usr/bin/env node
// Polls GET /health of the four processes until all answer 200 (or the timeout), then prints
// one line each. Exit 0 when all are healthy. Usage: wait-healthy.js [timeoutSeconds]
const http = require('node:http');

const timeoutMs = Number(process.argv[2] || 0) * 1000;
const env = process.env;
// SERVER_SHARDS > 1: every shard on its own port (SHARD_PORT_BASE + i), and the front door (SERVER_PORT)
const shards = Math.max(1, Number(env.SERVER_SHARDS || 1) || 1);
const servers = shards === 1
  ? [['whatsapp-server', Number(env.SERVER_PORT || 3001)]]
  : [['front door', Number(env.SERVER_PORT || 3001)], ...Array.from({ length: shards }, (_, i) => [i ? `whatsapp-server-${i}` : 'whatsapp-server', Number(env.SHARD_PORT_BASE || 3011) + i])];
const processes = [
  ...servers,
  ['message-worker', Number(env.MESSAGE_WORKER_PORT || 3002)],
  ['webhook-worker', Number(env.WEBHOOK_WORKER_PORT || 3003)],
  ['broadcast-worker', Number(env.BROADCAST_WORKER_PORT || 3004)],
];

function health(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        let json = {};
        try { json = JSON.parse(body); } catch { /* not JSON */ }
        resolve({ code: res.statusCode, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ code: 0, json: { error: err.code || err.message } }));
  });
}

function row(cols) {
  const widths = [18, 6, 10, 8, 8, 10, 30];
  return cols.map((c, i) => String(c).padEnd(widths[i])).join(' ');
}

(async () => {
  const deadline = Date.now() + timeoutMs;
  let results;
  for (;;) {
    results = await Promise.all(processes.map(([, port]) => health(port)));
    if (results.every((r) => r.code === 200) || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(row(['PROCESS', 'PORT', 'STATUS', 'PID', 'UPTIME', 'REDIS', 'QUEUE (waiting/active/failed)']));
  processes.forEach(([name, port], i) => {
    const { code, json } = results[i];
    const q = json.queues ? Object.entries(json.queues).map(([n, c]) => `${n} ${c.waiting}/${c.active}/${c.failed}`).join(', ') : '';
    const status = code === 200 ? 'healthy' : code ? `http ${code}` : 'down';
    const redis = json.redis ? (json.redis.reachable ? 'ok' : 'down') : '-';
    console.log(row([name, port, status, json.pid || '-', json.uptime != null ? `${json.uptime}s` : '-', redis, q || json.error || '']));
  });
  // the Redis every process uses: say plainly when it can lose jobs (not only in the PM2 logs)
  const durability = results.map((r) => r.json.redis && r.json.redis.durability).find(Boolean);
  if (durability && durability.warnings.length) for (const w of durability.warnings) console.log(`WARNING redis durability: ${w}`);
  else if (durability) console.log(`redis durability: ok (appendonly ${durability.appendonly}, maxmemory-policy ${durability.maxmemoryPolicy})`);
  process.exit(results.every((r) => r.code === 200) ? 0 : 1);
})();
