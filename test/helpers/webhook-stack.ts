import IORedis from 'ioredis';
import type { Express } from 'express';
import { cleanupPrefix, freePort, REDIS_URL, testConfig, TEST_SECRETS, uniquePrefix } from './env';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { createQueues, QueueSet } from '../../src/queues/factory';
import { EventPublisher } from '../../src/queues/publisher';
import express, { Router } from 'express';
import { createServerApp } from '../../src/http/server-app';
import { createAccess } from '../../src/http/access/authenticate';
import { webhooksRouter } from '../../src/http/routes/webhooks';
import { webhookEndpointsRouter } from '../../src/http/routes/webhook-endpoints';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';
import type { Config } from '../../src/shared/config';
import type { AnyEventInput } from '../../src/events/envelope';

type Overrides = Record<string, string | number | boolean>;

/**
 * The real webhook-worker (in process, real Redis) plus the public API's webhook routes (behind
 * the API key, as the public room mounts them), on one private prefix: what the webhook tests drive. restartWorker() changes the worker's config the
 * way an operator would (edit .env, restart webhook-worker), keeping the queue and its jobs.
 */
export class WebhookStack {
  readonly prefix: string;
  readonly logger = silentLogger();
  readonly redis = new IORedis(REDIS_URL);
  readonly auth = { Authorization: `Bearer ${TEST_SECRETS.API_KEY}` };
  config!: Config;
  app!: Express;
  producer!: QueueSet;
  publisher!: EventPublisher;
  private worker?: Running;

  constructor(name: string, private overrides: Overrides) {
    this.prefix = uniquePrefix(name);
  }

  /** On a failure midway everything started so far is closed again (no handle keeps jest alive). */
  async start(): Promise<this> {
    try {
      this.config = testConfig(this.prefix, { WEBHOOK_WORKER_PORT: await freePort(), ...this.overrides });
      this.worker = await startWorker(webhookWorkerSpec(this.config, this.logger), this.config, this.logger);
      this.producer = createQueues(this.config, this.logger);
      this.publisher = new EventPublisher(this.producer.queues.webhook, this.logger);
      const access = createAccess({ apiKey: TEST_SECRETS.API_KEY, redis: this.redis, prefix: this.prefix, ratePerMin: 0 });
      const router = Router();
      router.use(express.json(), access.authenticate);
      const deps = { config: this.config, logger: this.logger, redis: this.redis, queue: this.producer.queues.webhook, events: this.publisher };
      router.use(webhooksRouter(deps), webhookEndpointsRouter(deps));
      this.app = createServerApp({ logger: this.logger, health: { processName: 'whatsapp-server', redis: this.redis, queues: Object.values(this.producer.queues) }, rooms: [], fallback: { name: 'public', prefix: '/', router } });
      return this;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async restartWorker(overrides: Overrides): Promise<void> {
    await this.worker?.close();
    this.overrides = { ...this.overrides, ...overrides };
    const config = testConfig(this.prefix, { WEBHOOK_WORKER_PORT: await freePort(), ...this.overrides });
    this.worker = await startWorker(webhookWorkerSpec(config, this.logger), config, this.logger);
  }

  publish(input: AnyEventInput) {
    return this.publisher.publishAndWait(input);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.producer?.close();
    this.redis.disconnect();
    await cleanupPrefix(this.prefix);
  }
}
