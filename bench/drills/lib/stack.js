/**
 * A private copy of the whole daemon for a drill: its own redis-server (AOF on, own port and
 * directory), its own PM2 (PM2_HOME) running ecosystem.config.js on free ports with the sandbox
 * driver and a send log, a unique key prefix, and a local receiver standing in for the edge
 * functions. Nothing here touches an operator's PM2, Redis or ports.
 */
const { spawn, execFile } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { promisify } = require('node:util');
const { freePort, sleep } = require('../../lib/common');
const { Receiver } = require('./receiver');
const { SentinelSet } = require('./sentinel-set');

const ROOT = join(__dirname, '..', '..', '..');
const PM2_BIN = join(ROOT, 'node_modules', '.bin', 'pm2');
const run = promisify(execFile);

async function waitFor(fn, { timeoutMs = 30_000, intervalMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** n consecutive free ports (shard i listens on SHARD_PORT_BASE + i) */
async function consecutivePorts(n) {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve) => {
      const s = createServer().once('error', () => resolve(false)).listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return base;
  }
}

class Stack {
  /** mode: { shards: n } runs whatsapp-server as n shards; { sentinel: true } puts Redis behind three sentinels */
  constructor(name, overrides = {}, mode = {}) {
    this.mode = mode;
    this.name = name;
    this.dir = mkdtempSync(join(tmpdir(), `drill-${name}-`));
    this.prefix = `drill-${name}-${Date.now().toString(36)}`;
    this.logFile = join(this.dir, 'sandbox-sends.jsonl');
    this.overrides = overrides;
    // a Standard Webhooks secret: the receiver verifies every delivery with the official package
    this.webhookSecret = `whsec_${Buffer.from('drill-webhook-secret-0123456789ab').toString('base64')}`;
    this.receiver = new Receiver(this.webhookSecret);
    this.apiKey = 'drill-api-key-0123456789abcdef';
  }

  async start() {
    this.ports = { redis: await freePort(), server: await freePort(), message: await freePort(), webhook: await freePort(), broadcast: await freePort() };
    if (this.mode.shards > 1) this.ports.shardBase = await consecutivePorts(this.mode.shards);
    await this.receiver.start(await freePort());
    if (this.mode.sentinel) {
      this.sentinels = await new SentinelSet(this.dir).start();
      this.ports.redis = await this.sentinels.masterPort();
    } else await this.startRedis();
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME || this.dir,
      PM2_HOME: join(this.dir, 'pm2'),
      ENV_FILE: '/nonexistent/.env',
      NODE_ENV: 'production',
      REDIS_URL: `redis://127.0.0.1:${this.ports.redis}`,
      QUEUE_PREFIX: this.prefix,
      API_KEY: this.apiKey,
      INTERNAL_TOKEN: 'drill-internal-token-0123456789',
      WEBHOOK_SECRET: this.webhookSecret,
      HOST: '127.0.0.1',
      SERVER_PORT: String(this.ports.server),
      MESSAGE_WORKER_PORT: String(this.ports.message),
      WEBHOOK_WORKER_PORT: String(this.ports.webhook),
      BROADCAST_WORKER_PORT: String(this.ports.broadcast),
      WHATSAPP_DRIVER: 'sandbox',
      SANDBOX_LATENCY_MS: '30',
      SANDBOX_LINK_DELAY_MS: '0',
      SANDBOX_RECEIPT_DELAY_MS: '200',
      SANDBOX_LOG_FILE: this.logFile,
      SUPABASE_FUNCTIONS_URL: `${this.receiver.url}/functions/v1`,
      WEBHOOK_URL_CAMPAIGN: `${this.receiver.url}/crm/campaigns`,
      PACING_MIN_GAP_MS: '0',
      PACING_JITTER_MS: '0',
      // drills measure reliability, not the anti-ban rules: the send budget's caps and warm-up are off
      BUDGET_PER_MINUTE: '0',
      BUDGET_PER_HOUR: '0',
      BUDGET_PER_DAY: '0',
      BUDGET_NEW_CHATS_PER_DAY: '0',
      BUDGET_IDENTICAL_PER_HOUR: '0',
      BUDGET_WARMUP: 'off',
      RESTORE_JITTER_MS: '0',
      LOG_LEVEL: 'warn',
      CRON_HEARTBEAT: 'off',
      // drills drive load well above API_RATE_LIMIT_PER_MIN: the limit is off here
      API_RATE_LIMIT_PER_MIN: '0',
      ...(this.mode.shards > 1 ? { SERVER_SHARDS: String(this.mode.shards), SHARD_PORT_BASE: String(this.ports.shardBase) } : {}),
      ...(this.sentinels ? { REDIS_SENTINELS: this.sentinels.list, REDIS_SENTINEL_NAME: 'mymaster' } : {}),
      ...this.overrides,
    };
    await this.pm2('start', join(ROOT, 'ecosystem.config.js'));
    await this.waitHealthy();
    return this;
  }

  startRedis() {
    this.redis = spawn(
      'redis-server',
      ['--port', String(this.ports.redis), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    return waitFor(() => this.redisCli('PING').then((out) => out.trim() === 'PONG'), { what: 'redis-server up' });
  }

  async redisCli(...args) {
    const { stdout } = await run('redis-cli', ['-p', String(this.ports.redis), ...args], { timeout: 10_000 });
    return stdout;
  }

  /** Stops Redis: 'graceful' (SHUTDOWN: AOF flushed) or 'kill' (SIGKILL: up to 1 s of writes at risk). */
  async stopRedis(mode = 'graceful') {
    const child = this.redis;
    const exited = new Promise((r) => child.once('exit', r));
    if (mode === 'kill') child.kill('SIGKILL');
    else await this.redisCli('SHUTDOWN').catch(() => undefined);
    await exited;
  }

  async pm2(...args) {
    const { stdout } = await run(PM2_BIN, args, { cwd: ROOT, env: this.env, timeout: 180_000 });
    return stdout;
  }

  async pids() {
    const list = JSON.parse(await this.pm2('jlist'));
    return Object.fromEntries(list.map((p) => [p.name, { pid: p.pid, restarts: p.pm2_env.restart_time, status: p.pm2_env.status }]));
  }

  healthPorts() {
    const servers = this.mode.shards > 1
      ? Object.fromEntries(Array.from({ length: this.mode.shards }, (_, i) => [i ? `whatsapp-server-${i}` : 'whatsapp-server', this.ports.shardBase + i]))
      : { 'whatsapp-server': this.ports.server };
    return { ...servers, 'message-worker': this.ports.message, 'webhook-worker': this.ports.webhook, 'broadcast-worker': this.ports.broadcast };
  }

  async healthy(name) {
    const res = await fetch(`http://127.0.0.1:${this.healthPorts()[name]}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  }

  waitHealthy(timeoutMs = 60_000) {
    return Promise.all(Object.keys(this.healthPorts()).map((n) => waitFor(() => this.healthy(n), { timeoutMs, what: `${n} healthy` })));
  }

  async call(method, path, body) {
    const headers = { authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`http://127.0.0.1:${this.ports.server}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    let json;
    try {
      json = await res.json();
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json };
  }

  async createInstance(instanceId) {
    const res = await this.call('POST', '/instance/create', { instanceId });
    if (res.status !== 201) throw new Error(`create ${instanceId}: ${res.status} ${JSON.stringify(res.body)}`);
    await waitFor(async () => (await this.call('GET', `/instance/${instanceId}/status`)).body.status === 'connected', { what: `${instanceId} connected` });
  }

  async stop() {
    await this.pm2('kill').catch(() => undefined);
    if (this.redis && this.redis.exitCode === null) await this.stopRedis('kill');
    if (this.sentinels) await this.sentinels.stop();
    await this.receiver.stop();
    if (!process.env.DRILL_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Stack, freePort, waitFor, sleep, ROOT };
