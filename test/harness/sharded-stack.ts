import { join } from 'node:path';
import { apiCall, ApiAnswer, cleanupPrefix, freePort, REDIS_URL, testEnv, uniquePrefix, waitFor } from '../helpers/env';
import { healthStatus } from '../helpers/pm2';
import { AppProcess, spawnApp } from '../helpers/processes';
import { Receiver } from '../helpers/receiver';
import { TcpProxy } from '../helpers/tcp-proxy';
import { consecutivePorts } from '../helpers/shard-stack';
import type { FakeWaConnection, FakeWaServer } from './fake-wa/index.mjs' with { 'resolution-mode': 'import' };

type Harness = typeof import('./fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });
const PRELOAD = join(__dirname, 'preload.mjs');

/** One login connection the stand-in saw: which device (instance) and when it was open. */
export interface SeenSocket {
  device: string;
  index: number;
  openedAt: number;
  closedAt?: number;
}

/**
 * Sharded whatsapp-server processes with the real Baileys driver against the WhatsApp Web
 * stand-in, plus message-worker and webhook-worker. Each shard reaches Redis through its own TCP
 * proxy, so a test can cut one shard off from Redis (a network split) while the others go on.
 * Every login socket the stand-in sees is recorded with its open and close times.
 */
export class ShardedBaileysStack {
  readonly prefix: string;
  readonly receiver = new Receiver();
  readonly sockets: SeenSocket[] = [];
  wa!: FakeWaServer;
  env!: Record<string, string>;
  frontDoor = 0;
  base = 0;
  shards: Array<AppProcess | undefined> = [];
  proxies: TcpProxy[] = [];
  private workers: AppProcess[] = [];
  private past = '';

  constructor(name: string, readonly count: number, private readonly extraEnv: Record<string, string> = {}) {
    this.prefix = uniquePrefix(name);
  }

  async start(): Promise<this> {
    const H: Harness = await import('./fake-wa/index.mjs');
    this.wa = await new H.FakeWaServer({ phone: '5511900000001', preKeyCount: 50 }).start();
    this.wa.on('handshake', (conn: FakeWaConnection) => {
      if (conn.kind !== 'login' || !conn.device) return;
      const seen: SeenSocket = { device: conn.device, index: conn.index, openedAt: Date.now() };
      this.sockets.push(seen);
      void conn.closed.then(() => (seen.closedAt = Date.now()));
    });
    await this.receiver.start();
    this.frontDoor = await freePort();
    this.base = await consecutivePorts(this.count);
    const url = new URL(REDIS_URL);
    for (let i = 0; i < this.count; i++) this.proxies.push(await new TcpProxy(url.hostname, Number(url.port || 6379)).start());
    this.env = testEnv(this.prefix, {
      WHATSAPP_DRIVER: 'baileys',
      WA_WEBSOCKET_URL: this.wa.url,
      WA_VERSION: '2.3000.1023456789',
      WA_VERSION_FETCH_TIMEOUT_MS: 0,
      WA_LOG_LEVEL: 'silent',
      WA_RECONNECT_BASE_MS: '200',
      SERVER_SHARDS: this.count,
      SERVER_PORT: this.frontDoor,
      SHARD_PORT_BASE: this.base,
      MESSAGE_WORKER_PORT: await freePort(),
      WEBHOOK_WORKER_PORT: await freePort(),
      WEBHOOK_URL_MESSAGES: `${this.receiver.url}/messages`,
      WEBHOOK_URL_STATUS: `${this.receiver.url}/status`,
      WEBHOOK_URL_QR: `${this.receiver.url}/qr`,
      RESTORE_JITTER_MS: 100,
      NOT_CONNECTED_DELAY_MS: 500,
      NOT_CONNECTED_RETRIES: 200,
      MESSAGE_BACKOFF_MS: 100,
      FAKE_WA_PUBLIC_KEY: this.wa.publicKeyBase64,
      FAKE_WA_KEEPALIVE_MS: 1000,
      ...this.extraEnv,
    });
    this.workers = [spawnApp('webhook-worker', this.env), spawnApp('message-worker', this.env)];
    for (let i = 0; i < this.count; i++) await this.startShard(i);
    for (const port of [Number(this.env.MESSAGE_WORKER_PORT), Number(this.env.WEBHOOK_WORKER_PORT)]) {
      await waitFor(async () => (await healthStatus(port)).status === 200, { timeoutMs: 20_000, what: `worker :${port}` });
    }
    return this;
  }

  port(i: number): number {
    return this.base + i;
  }

  async startShard(i: number): Promise<void> {
    const env = { ...this.env, SHARD_INDEX: String(i), REDIS_URL: `redis://127.0.0.1:${this.proxies[i].port}` };
    this.shards[i] = spawnApp('whatsapp-server', env, ['--import', PRELOAD]);
    await waitFor(async () => (await healthStatus(this.port(i))).status === 200, { timeoutMs: 30_000, what: `shard ${i} healthy\n${this.shards[i]!.output()}` });
  }

  /** kill -9 (or SIGTERM) one shard; its output is kept for failure messages */
  async stopShard(i: number, signal: NodeJS.Signals): Promise<void> {
    await this.shards[i]?.stop(signal);
    this.past += `${this.shards[i]?.output() ?? ''}\n--- (shard ${i} stopped with ${signal})\n`;
    this.shards[i] = undefined;
  }

  call(port: number, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return apiCall(port, method, path, body);
  }

  /** creates an instance through `port` and links it as device `device` of the stand-in's phone */
  async link(port: number, instanceId: string, device: number): Promise<void> {
    const since = this.wa.connections.length;
    const created = await this.call(port, 'POST', '/instance/create', { instanceId });
    if (created.status !== 201) throw new Error(`create ${instanceId}: ${created.status} ${JSON.stringify(created.body)}`);
    const qr = await waitFor(async () => (await this.call(port, 'GET', `/instance/${instanceId}/qr`)).body.qr as string | undefined, { what: `${instanceId} QR` });
    const register = await this.wa.waitForConnection({ kind: 'register', since });
    await register.scanQr(qr, { device });
    await waitFor(async () => (await this.call(port, 'GET', `/instance/${instanceId}/status`)).body.status === 'connected', { timeoutMs: 30_000, what: `${instanceId} connected` });
  }

  /** instanceId -> its shard, from GET /instances through `port` */
  async owners(port: number): Promise<Map<string, string | null>> {
    const r = await this.call(port, 'GET', '/instances');
    if (r.status !== 200) throw new Error(`GET /instances on :${port}: ${r.status} ${JSON.stringify(r.body)}`);
    return new Map((r.body.instances as Array<{ instanceId: string; shard: string | null }>).map((i) => [i.instanceId, i.shard]));
  }

  /** pairs of stand-in sockets of one device that were open at the same time */
  overlaps(): Array<[SeenSocket, SeenSocket]> {
    const out: Array<[SeenSocket, SeenSocket]> = [];
    for (const a of this.sockets) {
      for (const b of this.sockets) {
        if (a.index >= b.index || a.device !== b.device) continue;
        const aEnd = a.closedAt ?? Infinity;
        if (b.openedAt < aEnd) out.push([a, b]);
      }
    }
    return out;
  }

  output(): string {
    return this.past + [...this.shards, ...this.workers].map((p) => p?.output() ?? '').join('\n---\n');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.shards, ...this.workers].map((p) => p?.stop('SIGTERM')));
    for (const p of this.proxies) await p.stop();
    await this.wa?.stop();
    await this.receiver.stop();
    await cleanupPrefix(this.prefix);
  }
}
