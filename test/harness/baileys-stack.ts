import { join } from 'node:path';
import { apiCall, ApiAnswer, cleanupPrefix, freePort, testEnv, uniquePrefix, waitFor } from '../helpers/env';
import { healthStatus } from '../helpers/pm2';
import { AppProcess, spawnApp } from '../helpers/processes';
import { Receiver } from '../helpers/receiver';
import type { FakeWaServer } from './fake-wa/index.mjs' with { 'resolution-mode': 'import' };

type Harness = typeof import('./fake-wa/index.mjs', { with: { 'resolution-mode': 'import' } });

const PRELOAD = join(__dirname, 'preload.mjs');

export interface DeliveredEvent {
  id: string;
  type: string;
  instanceId: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * The real processes with the real Baileys driver against the WhatsApp Web stand-in:
 * whatsapp-server (preloaded to trust the stand-in), message-worker and webhook-worker as child
 * processes on a unique prefix, and a local receiver standing in for the edge functions.
 */
export class BaileysStack {
  readonly prefix: string;
  readonly receiver = new Receiver();
  wa!: FakeWaServer;
  env!: Record<string, string>;
  server?: AppProcess;
  private workers: AppProcess[] = [];
  private pastOutput = '';
  ports = { server: 0, message: 0, webhook: 0 };

  constructor(name: string, private readonly extraEnv: Record<string, string> = {}) {
    this.prefix = uniquePrefix(name);
  }

  async start(waOptions: Record<string, unknown> = {}): Promise<this> {
    const H: Harness = await import('./fake-wa/index.mjs');
    this.wa = await new H.FakeWaServer(waOptions).start();
    await this.receiver.start();
    this.ports = { server: await freePort(), message: await freePort(), webhook: await freePort() };
    this.env = testEnv(this.prefix, {
      WHATSAPP_DRIVER: 'baileys',
      WA_WEBSOCKET_URL: this.wa.url,
      WA_VERSION: '2.3000.1023456789', // a configured version: no fetch from the network
      WA_LOG_LEVEL: process.env.STANDIN_WA_LOG_LEVEL ?? 'silent',
      SERVER_PORT: this.ports.server,
      MESSAGE_WORKER_PORT: this.ports.message,
      WEBHOOK_WORKER_PORT: this.ports.webhook,
      WEBHOOK_URL_MESSAGES: `${this.receiver.url}/messages`,
      WEBHOOK_URL_STATUS: `${this.receiver.url}/status`,
      WEBHOOK_URL_QR: `${this.receiver.url}/qr`,
      WEBHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms',
      RESTORE_JITTER_MS: 0,
      NOT_CONNECTED_DELAY_MS: 200,
      MESSAGE_BACKOFF_MS: 100,
      FAKE_WA_PUBLIC_KEY: this.wa.publicKeyBase64,
      FAKE_WA_KEEPALIVE_MS: 1000,
      // the media host's self-signed certificate (media uploads/downloads, mediaUrl fetches)
      ...(this.wa.media ? { NODE_EXTRA_CA_CERTS: this.wa.media.certFile, ALLOW_PRIVATE_MEDIA_URLS: 'true' } : {}),
      ...this.extraEnv,
    });
    this.workers = [spawnApp('webhook-worker', this.env), spawnApp('message-worker', this.env)];
    await this.startServer();
    for (const port of [this.ports.message, this.ports.webhook]) {
      await waitFor(async () => (await healthStatus(port)).status === 200, { timeoutMs: 20_000, what: `worker :${port} healthy` });
    }
    return this;
  }

  /** Adds a broadcast-worker (for campaign stories) on a free port; stopped with the stack. */
  async startBroadcastWorker(): Promise<AppProcess> {
    const port = await freePort();
    this.env.BROADCAST_WORKER_PORT = String(port);
    const worker = spawnApp('broadcast-worker', this.env);
    this.workers.push(worker);
    await waitFor(async () => (await healthStatus(port)).status === 200, { timeoutMs: 20_000, what: 'broadcast-worker healthy' });
    return worker;
  }

  async startServer(): Promise<void> {
    this.server = spawnApp('whatsapp-server', this.env, ['--import', PRELOAD]);
    await waitFor(async () => (await healthStatus(this.ports.server)).status === 200, {
      timeoutMs: 20_000,
      what: `whatsapp-server healthy\n${this.server.output()}`,
    });
  }

  /** SIGTERM and the exit code (0 = clean shutdown). */
  async stopServer(): Promise<number | null> {
    const code = await this.server?.stop('SIGTERM');
    this.pastOutput += `${this.server?.output() ?? ''}\n--- (whatsapp-server restarted)\n`;
    this.server = undefined;
    return code ?? null;
  }

  call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return apiCall(this.ports.server, method, path, body);
  }

  /** Events the webhook-worker delivered to one receiver path ('/qr', '/status', '/messages'). */
  delivered(path: string, type?: string): DeliveredEvent[] {
    return this.receiver
      .on(path)
      .map((r) => r.json as DeliveredEvent)
      .filter((e) => e && (!type || e.type === type));
  }

  /** Waits for a delivered event matching pred and returns it. */
  waitDelivered(path: string, pred: (e: DeliveredEvent) => boolean, what: string, timeoutMs = 20_000): Promise<DeliveredEvent> {
    return waitFor(() => this.delivered(path).find(pred), { timeoutMs, what: `${what} at ${path}` });
  }

  /**
   * Creates an instance and links it the way a user does (QR shown, scanned on the "phone"), then
   * waits until whatsapp-server reports it connected: the start of most end-to-end stories.
   */
  async linkInstance(instanceId: string, device = 2): Promise<void> {
    const since = this.wa.connections.length;
    const created = await this.call('POST', '/instance/create', { instanceId });
    if (created.status !== 201) throw new Error(`create ${instanceId}: ${created.status} ${JSON.stringify(created.body)}`);
    const qr = await waitFor(async () => (await this.call('GET', `/instance/${instanceId}/qr`)).body.qr as string | undefined, { what: `${instanceId} QR` });
    const register = await this.wa.waitForConnection({ kind: 'register', since });
    register.scanQr(qr, { device });
    await waitFor(async () => (await this.call('GET', `/instance/${instanceId}/status`)).body.status === 'connected', { timeoutMs: 30_000, what: `${instanceId} connected` });
  }

  /** Output of every process, for failure messages (STANDIN_DEBUG=1 prints it after the test file). */
  output(): string {
    return this.pastOutput + [this.server, ...this.workers].map((p) => p?.output() ?? '').join('\n---\n');
  }

  async stop(): Promise<void> {
    await Promise.all([this.server, ...this.workers].map((p) => p?.stop('SIGTERM')));
    await this.wa?.stop();
    await this.receiver.stop();
    await cleanupPrefix(this.prefix);
  }
}
