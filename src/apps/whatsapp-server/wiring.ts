import type { Server } from 'node:http';
import type { Express } from 'express';
import { Config, requireSecrets } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { createRedis, waitForRedis, checkRedisDurability } from '../../shared/redis';
import { closeServer, listen, Running, signalReady } from '../../shared/lifecycle';
import { createQueues } from '../../queues/factory';
import { createServerApp, ServerDeps } from '../../http/server-app';
import { webhooksRouter } from '../../http/routes/webhooks';

export interface StartedServer extends Running {
  app: Express;
  server: Server;
  deps: ServerDeps;
}

/**
 * whatsapp-server: the public API and every WhatsApp session. Listens first (so /health can
 * report 503 while Redis is away), then waits for Redis, restores sessions and signals ready.
 */
export async function startServer(config: Config, logger: Logger): Promise<StartedServer> {
  requireSecrets(config, ['API_KEY', 'INTERNAL_TOKEN']);
  const redis = createRedis(config.REDIS_URL, { name: `${config.QUEUE_PREFIX}-server`, logger });
  const queueSet = createQueues(config, logger);
  const deps: ServerDeps = {
    config: config as ServerDeps['config'],
    logger,
    redis,
    queues: queueSet.queues,
    routers: [webhooksRouter],
    internalRouters: [],
  };
  const app = createServerApp(deps);
  let server: Server;
  try {
    server = await listen(app, config.SERVER_PORT, config.HOST);
  } catch (err) {
    redis.disconnect();
    await queueSet.close();
    throw err;
  }
  logger.info('listening', { port: config.SERVER_PORT, host: config.HOST });
  await waitForRedis(redis, logger);
  await checkRedisDurability(redis, logger);
  signalReady(logger);
  return {
    app,
    server,
    deps,
    async close() {
      await closeServer(server);
      await queueSet.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
