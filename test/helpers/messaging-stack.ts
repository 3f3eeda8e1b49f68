import type { TestEvent } from './env';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from './env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import type { Config } from '../../src/shared/config';
import type { Running } from '../../src/shared/lifecycle';

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface SendLogLine {
  instanceId: string;
  to: string;
  messageId: string;
  at: number;
}

/**
 * whatsapp-server (sandbox driver) and message-worker in this process, on free ports and a unique
 * prefix, with the sandbox's send log in a temp file: the whole single-message path for real.
 */
export class MessagingStack {
  readonly prefix: string;
  readonly logFile: string;
  config!: Config;
  server!: StartedServer;
  worker?: Running;

  constructor(name: string) {
    this.prefix = uniquePrefix(name);
    this.logFile = join(tmpdir(), `${this.prefix}-sandbox.jsonl`);
  }

  async start(overrides: Record<string, string | number | boolean> = {}, withWorker = true): Promise<this> {
    this.config = testConfig(this.prefix, {
      SERVER_PORT: await freePort(),
      MESSAGE_WORKER_PORT: await freePort(),
      SANDBOX_LOG_FILE: this.logFile,
      SANDBOX_LINK_DELAY_MS: 0,
      SANDBOX_RECEIPT_DELAY_MS: 30,
      RESTORE_JITTER_MS: 0,
      NOT_CONNECTED_DELAY_MS: 100,
      MESSAGE_BACKOFF_MS: 50,
      ...overrides,
    });
    const logger = silentLogger();
    this.server = await startServer(this.config, logger);
    if (withWorker) this.worker = await startWorker(messageWorkerSpec(this.config, logger), this.config, logger);
    return this;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { authorization: `Bearer ${TEST_SECRETS.API_KEY}`, ...headers };
    let payload: string | undefined;
    if (body !== undefined) {
      h['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`http://127.0.0.1:${this.config.SERVER_PORT}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }

  async createInstance(instanceId: string): Promise<void> {
    const created = await this.call('POST', '/instance/create', { instanceId });
    if (created.status !== 201) throw new Error(`create ${instanceId}: ${created.status} ${JSON.stringify(created.body)}`);
    await waitFor(async () => (await this.call('GET', `/instance/${instanceId}/status`)).body.status === 'connected', { what: `${instanceId} connected` });
  }

  async sendLog(): Promise<SendLogLine[]> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SendLogLine);
  }

  /** Events waiting on the webhook queue (no webhook-worker runs here). */
  async events(type?: TestEvent['type']): Promise<TestEvent[]> {
    const jobs = await this.server.deps.queues.webhook.getJobs(['waiting', 'delayed'], 0, -1, true);
    return jobs.filter((j) => j && (!type || j.data.event.type === type)).map((j) => j.data.event);
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.server?.close();
    await cleanupPrefix(this.prefix);
    await rm(this.logFile, { force: true });
  }
}
