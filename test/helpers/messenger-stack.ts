import { Writable } from 'node:stream';
import winston from 'winston';
import { apiCall, cleanupPrefix, freePort, testConfig, uniquePrefix, waitFor } from './env';
import type { Answer } from './messaging-stack';
import type { TestEvent } from './env';
import { GraphStandin, StandinOptions } from '../harness/graph/standin';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { broadcastWorkerSpec } from '../../src/apps/broadcast-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import type { Config } from '../../src/shared/config';
import type { Running } from '../../src/shared/lifecycle';

export const APP_SECRET = 'test-app-secret-0123456789abcdef';
export const VERIFY_TOKEN = 'test-verify-token';

/**
 * whatsapp-server, message-worker and broadcast-worker in this process, sending to the Graph
 * stand-in, with every log line kept (tests look for secrets in them).
 */
export class MessengerStack {
  readonly prefix = uniquePrefix('msgr');
  readonly logs: string[] = [];
  readonly graph: GraphStandin;
  config!: Config;
  server!: StartedServer;
  workers: Running[] = [];

  constructor(options: StandinOptions = {}) {
    this.graph = new GraphStandin({ appSecret: APP_SECRET, ...options });
  }

  logger(): winston.Logger {
    const logs = this.logs;
    const stream = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
    return winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  }

  async start(overrides: Record<string, string | number | boolean> = {}, extraMessageWorkers = 0): Promise<this> {
    await this.graph.start();
    this.config = testConfig(this.prefix, {
      SERVER_PORT: await freePort(),
      MESSAGE_WORKER_PORT: await freePort(),
      BROADCAST_WORKER_PORT: await freePort(),
      GRAPH_API_URL: this.graph.url,
      MESSENGER_APP_SECRET: APP_SECRET,
      MESSENGER_VERIFY_TOKEN: VERIFY_TOKEN,
      MESSENGER_PAGE_RATE: 0,
      MESSENGER_GLOBAL_RATE: 0,
      MESSAGE_BACKOFF_MS: 50,
      MESSENGER_AUTH_PAUSE_MS: 1500,
      MESSENGER_THROTTLE_BACKOFF_MS: 200,
      ...overrides,
    });
    this.graph.options.webhookUrl = `http://127.0.0.1:${this.config.SERVER_PORT}/messenger/webhook`;
    this.server = await startServer(this.config, this.logger());
    this.workers.push(await startWorker(messageWorkerSpec(this.config, this.logger()), this.config, this.logger()));
    this.workers.push(await startWorker(broadcastWorkerSpec(this.config, this.logger()), this.config, this.logger()));
    for (let i = 0; i < extraMessageWorkers; i++) {
      const c = { ...this.config, MESSAGE_WORKER_PORT: await freePort() };
      this.workers.push(await startWorker(messageWorkerSpec(c, this.logger()), c, this.logger()));
    }
    return this;
  }

  call(method: string, path: string, body?: unknown): Promise<Answer> {
    return apiCall(this.config.SERVER_PORT, method, path, body);
  }

  async createPage(instanceId: string, pageId: string, token: string): Promise<Answer> {
    this.graph.addPage(pageId, token);
    return this.call('POST', '/instance/create', { instanceId, channel: 'messenger', pageId, pageAccessToken: token });
  }

  async events(type?: TestEvent['type']): Promise<TestEvent[]> {
    const jobs = await this.server.deps.queues.webhook.getJobs(['waiting', 'delayed'], 0, -1, true);
    return jobs.filter((j) => j && j.data?.event && (!type || j.data.event.type === type)).map((j) => j.data.event);
  }

  message(id: string): Promise<Answer['body']> {
    return this.call('GET', `/messages/${id}`).then((r) => r.body.message);
  }

  waitStatus(id: string, status: string, timeoutMs = 10_000): Promise<Answer['body']> {
    return waitFor(async () => {
      const m = await this.message(id);
      return m?.status === status ? m : undefined;
    }, { timeoutMs, intervalMs: 50, what: `${id} ${status}` });
  }

  async stop(): Promise<void> {
    for (const w of this.workers) await w.close();
    await this.server?.close();
    await this.graph.stop();
    await cleanupPrefix(this.prefix);
  }
}
