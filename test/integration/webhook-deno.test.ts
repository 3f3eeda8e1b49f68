import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { freePort, waitFor } from '../helpers/env';
import { WebhookStack } from '../helpers/webhook-stack';
import { InstanceRegistry } from '../../src/whatsapp/instances/registry';
import { redisKeys } from '../../src/shared/keys';
import { publicKeyOf } from '../../src/webhooks/signing/ed25519-v1a';
import type { AnyEvent, AnyEventInput } from '../../src/events/envelope';

/**
 * The real thing end to end: Deno edge functions (Deno.serve, as Supabase runs them) verify every
 * delivery of the real webhook-worker with the official `npm:standardwebhooks`, fetched from the
 * npm registry by Deno itself, before, during and after a secret rotation; a third function holds
 * only the ed25519 public key and verifies `v1a`.
 */
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const FUNCTION = join(ROOT, 'test', 'fixtures', 'deno', 'edge-function.ts');
// Deno's cache (the npm: download) lives in the project, not in $HOME; it is kept between runs
const DENO_DIR = join(ROOT, 'node_modules', '.cache', 'deno-test');
const OLD = `whsec_${Buffer.from('the-old-secret-of-32-bytes-long!').toString('base64')}`;
const NEW = `whsec_${Buffer.from('the-new-secret-of-32-bytes-long!').toString('base64')}`;
const SIGNING_KEY = `whsk_${Buffer.alloc(32, 42).toString('base64')}`;

interface Verdict {
  ok: boolean;
  id?: string;
  webhookId?: string;
  error?: string;
}

/** One Deno edge function: its process, its port and every verdict it printed. */
class EdgeFunction {
  readonly verdicts: Verdict[] = [];
  port = 0;
  private child?: ChildProcess;

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(cwd: string): Promise<this> {
    this.port = await freePort();
    this.child = spawn(
      denoBinary(),
      ['run', '--no-config', '--node-modules-dir=none', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env=WEBHOOK_SECRET,WEBHOOK_PUBLIC_KEY,PORT', FUNCTION],
      // the machine's environment goes through (proxy and CA settings reach Deno's npm download)
      { cwd, env: { ...process.env, HOME: cwd, DENO_DIR, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', PORT: String(this.port), WEBHOOK_SECRET: '', WEBHOOK_PUBLIC_KEY: '', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let listening = false;
    let stderr = '';
    this.child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Verdict & { listening?: boolean };
      if (msg.listening) listening = true;
      else this.verdicts.push(msg);
    });
    // the first start downloads npm:standardwebhooks from the registry
    await waitFor(() => listening || this.child!.exitCode !== null, { what: 'deno edge function listening', timeoutMs: 180_000 });
    if (!listening) throw new Error(`deno exited ${this.child.exitCode}: ${stderr}`);
    return this;
  }

  for(id: string): Verdict[] {
    return this.verdicts.filter((v) => v.webhookId === id);
  }

  stop(): void {
    if (this.child?.pid && this.child.exitCode === null) process.kill(-this.child.pid, 'SIGTERM');
  }
}

/** The binary the `deno` npm package installed (its bin script places it on first use). */
function denoBinary(): string {
  const exe = join(ROOT, 'node_modules', 'deno', 'deno');
  if (!existsSync(exe)) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'deno', 'bin.cjs'), '--version'], { stdio: 'ignore' });
  return exe;
}

const cwd = mkdtempSync(join(tmpdir(), 'deno-edge-'));
const oldFn = new EdgeFunction({ WEBHOOK_SECRET: OLD });
const newFn = new EdgeFunction({ WEBHOOK_SECRET: NEW });
const edFn = new EdgeFunction({ WEBHOOK_PUBLIC_KEY: publicKeyOf(SIGNING_KEY) });
let stack: WebhookStack;

beforeAll(async () => {
  mkdirSync(DENO_DIR, { recursive: true });
  await Promise.all([oldFn.start(cwd), newFn.start(cwd), edFn.start(cwd)]);
  stack = await new WebhookStack('webhook-deno', {
    WEBHOOK_SECRET: OLD,
    WEBHOOK_URL_MESSAGES: oldFn.url,
    WEBHOOK_URL_STATUS: oldFn.url,
    WEBHOOK_URL_QR: oldFn.url,
    WEBHOOK_RETRY_SCHEDULE: '100ms',
  }).start();
  const now = Date.now();
  // one instance whose events reach all three functions (a subscription with several URLs)
  await new InstanceRegistry(stack.redis, redisKeys(stack.prefix)).insert({ instanceId: 'rotating', status: 'connected', createdAt: now, updatedAt: now, webhookUrl: oldFn.url, webhookUrls: [newFn.url, edFn.url] });
});

afterAll(async () => {
  await stack?.close();
  for (const fn of [oldFn, newFn, edFn]) fn.stop();
  rmSync(cwd, { recursive: true, force: true });
});

const TYPES: AnyEventInput['type'][] = ['message.received', 'message.status', 'connection.update', 'qr.updated', 'message.sent'];
const publishSome = (instanceId: string, n: number, tag: string): Promise<AnyEvent[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => stack.publish({ type: TYPES[i % TYPES.length], instanceId, data: { text: `${tag} ${i} ção 🚀` } } as AnyEventInput)));

describe('a Deno edge function verifies real deliveries with npm:standardwebhooks', () => {
  it('verifies every delivery signed with a whsec_ secret', async () => {
    const events = await publishSome('plain', 10, 'before');
    await waitFor(() => events.every((e) => oldFn.for(e.id).length > 0), { what: 'ten verdicts', timeoutMs: 20_000 });
    for (const e of events) expect(oldFn.for(e.id)).toEqual([{ ok: true, id: e.id, type: e.type, webhookId: e.id }]);
  });

  it('during a rotation (WEBHOOK_SECRET new, WEBHOOK_SECRET_PREVIOUS old) functions on either secret verify, and v1a with the public key', async () => {
    await stack.restartWorker({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: OLD, WEBHOOK_SIGNING_KEY: SIGNING_KEY });
    const events = await publishSome('rotating', 10, 'during');
    await waitFor(() => events.every((e) => [oldFn, newFn, edFn].every((fn) => fn.for(e.id).length > 0)), { what: 'verdicts of all three', timeoutMs: 20_000 });
    for (const e of events) for (const fn of [oldFn, newFn, edFn]) expect(fn.for(e.id)).toEqual([{ ok: true, id: e.id, type: e.type, webhookId: e.id }]);
  });

  it('after the rotation the new secret verifies and the old one is refused (401: dead-lettered, replayable)', async () => {
    await stack.restartWorker({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: '', WEBHOOK_SIGNING_KEY: '' });
    const events = await publishSome('rotating', 5, 'after');
    await waitFor(() => events.every((e) => newFn.for(e.id).length > 0 && oldFn.for(e.id).length > 0), { what: 'verdicts after rotation', timeoutMs: 20_000 });
    for (const e of events) {
      expect(newFn.for(e.id)).toEqual([{ ok: true, id: e.id, type: e.type, webhookId: e.id }]);
      expect(oldFn.for(e.id)).toEqual([expect.objectContaining({ ok: false, error: 'No matching signature found' })]);
    }
    const dead = await waitFor(async () => {
      const items = (await request(stack.app).get('/webhooks/dead?limit=500').set(stack.auth)).body.items as Array<{ event: { id: string }; lastStatus: number }>;
      return events.every((e) => items.some((d) => d.event.id === e.id)) ? items : undefined;
    }, { what: 'old-secret deliveries dead-lettered' });
    expect(dead.every((d) => d.lastStatus === 401)).toBe(true);
  });
});
