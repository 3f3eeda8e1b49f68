import { createServer } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, freePort, testEnv, TEST_SECRETS, uniquePrefix, waitFor } from './env';
import { healthStatus, TestPm2 } from './pm2';

/** n consecutive free ports on loopback (shards listen on SHARD_PORT_BASE + i) */
export async function consecutivePorts(n: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: n }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no consecutive free ports');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export interface LiveShard {
  shardId: string;
  incarnation: string;
  instances: number;
  connected: number;
  pid: number;
  internalUrl: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * whatsapp-server as SERVER_SHARDS shards plus the three workers under a PM2 of the test's own
 * (own PM2_HOME, sandbox driver, unique prefix): the front door on SERVER_PORT, shard i on base + i.
 */
export class ShardStack {
  readonly prefix: string;
  readonly logFile: string;
  pm2!: TestPm2;
  frontDoor = 0;
  base = 0;
  workers = { message: 0, webhook: 0, broadcast: 0 };

  constructor(name: string, readonly shards: number, private readonly extra: Record<string, string | number> = {}) {
    this.prefix = uniquePrefix(name);
    this.logFile = join(tmpdir(), `${this.prefix}-sends.jsonl`);
  }

  name(i: number): string {
    return i === 0 ? 'whatsapp-server' : `whatsapp-server-${i}`;
  }

  port(i: number): number {
    return this.base + i;
  }

  async start(): Promise<this> {
    this.frontDoor = await freePort();
    this.base = await consecutivePorts(this.shards);
    this.workers = { message: await freePort(), webhook: await freePort(), broadcast: await freePort() };
    this.pm2 = new TestPm2(
      testEnv(this.prefix, {
        SERVER_SHARDS: this.shards,
        SERVER_PORT: this.frontDoor,
        SHARD_PORT_BASE: this.base,
        MESSAGE_WORKER_PORT: this.workers.message,
        WEBHOOK_WORKER_PORT: this.workers.webhook,
        BROADCAST_WORKER_PORT: this.workers.broadcast,
        SANDBOX_LINK_DELAY_MS: 0,
        SANDBOX_LOG_FILE: this.logFile,
        RESTORE_JITTER_MS: 200,
        NOT_CONNECTED_DELAY_MS: 500,
        ...this.extra,
      }),
    );
    await this.pm2.cli('start', 'ecosystem.config.js');
    for (let i = 0; i < this.shards; i++) await waitFor(async () => (await healthStatus(this.port(i))).status === 200, { timeoutMs: 60_000, what: `shard ${i} healthy` });
    for (const p of Object.values(this.workers)) await waitFor(async () => (await healthStatus(p)).status === 200, { timeoutMs: 60_000, what: `worker :${p} healthy` });
    await waitFor(async () => (await healthStatus(this.frontDoor)).status === 200, { timeoutMs: 20_000, what: 'front door' });
    return this;
  }

  async call(port: number, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_SECRETS.API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** GET /shards through the front door (live shards only) */
  async liveShards(): Promise<LiveShard[]> {
    const r = await this.call(this.frontDoor, 'GET', '/shards');
    return (r.body.shards as Array<LiveShard & { live: boolean }>).filter((s) => s.live);
  }

  /** instanceId -> shard holding it (null: nobody) and its status, from the instance list */
  async placement(): Promise<Map<string, { shard: string | null; status: string }>> {
    const r = await this.call(this.frontDoor, 'GET', '/instances');
    return new Map((r.body.instances as Array<{ instanceId: string; shard: string | null; status: string }>).map((i) => [i.instanceId, { shard: i.shard, status: i.status }]));
  }

  async pidOf(i: number): Promise<number> {
    const pid = await this.pm2.pidOf(this.name(i));
    if (!pid) throw new Error(`no pid for ${this.name(i)}`);
    return pid;
  }

  /** every line the sandbox driver logged (one per message it "sent") */
  async sendLog(): Promise<Array<{ instanceId: string; to: string; messageId: string; at: number }>> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }

  /** the last lines PM2 logged for every process (SHARD_DEBUG=1 prints them after the file) */
  async logs(lines = 60): Promise<string> {
    const { readdir } = await import('node:fs/promises');
    const dir = join(this.pm2.home, 'logs');
    const files = await readdir(dir).catch(() => [] as string[]);
    const out: string[] = [];
    for (const f of files.sort()) out.push(`--- ${f}`, (await readFile(join(dir, f), 'utf8')).split('\n').slice(-lines).join('\n'));
    return out.join('\n');
  }

  async stop(): Promise<void> {
    if (process.env.SHARD_DEBUG && this.pm2) console.log(await this.logs());
    await this.pm2?.destroy();
    await cleanupPrefix(this.prefix);
    await rm(this.logFile, { force: true });
  }
}
