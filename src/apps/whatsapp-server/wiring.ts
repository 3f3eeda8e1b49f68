import type { Server } from 'node:http';
import type { Express } from 'express';
import { Config, requireSecrets } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { createRedis, waitForRedis, checkRedisDurability } from '../../shared/redis';
import { closeServer, listen, Running, signalReady } from '../../shared/lifecycle';
import { createQueues } from '../../queues/factory';
import { createServerApp, ServerDeps } from '../../http/server-app';
import { webhooksRouter } from '../../http/routes/webhooks';
import { instancesRouter } from '../../http/routes/instances';
import { instanceMediaRouter } from '../../http/routes/instance-media';
import { internalRouter } from '../../http/routes/internal';
import { addMessageFastPath, messagesRouter } from '../../http/routes/messages';
import { broadcastBodyParser, broadcastRoutes } from '../../http/routes/broadcasts';
import { campaignReceiptObserver } from '../../campaigns/receipts';
import { CampaignStore, retentionSeconds } from '../../campaigns/store';
import { messageStatusObserver } from '../../messages/receipts';
import { StatusStore } from '../../messages/status-store';
import { redisKeys } from '../../shared/keys';
import { EventPublisher } from '../../queues/publisher';
import { createDriver } from '../../whatsapp/driver-factory';
import { SessionManager } from '../../whatsapp/session-manager';
import type { RestoreSummary } from '../../whatsapp/session-restore';
import type { SessionDriver } from '../../whatsapp/types';
import { serverOperations, ServerOperations } from './operations';

export interface StartedServer extends Running {
  app: Express;
  server: Server;
  deps: ServerDeps;
  sessions: SessionManager;
  events: EventPublisher;
  /** metrics, maintenance schedules and heartbeat (operators' side) */
  ops: ServerOperations;
  /** settles when the sessions registered before start are restored (ready does not wait for it) */
  restored: Promise<RestoreSummary | undefined>;
}

/**
 * whatsapp-server: the public API and every WhatsApp session. Listens first (so /health can
 * report 503 while Redis is away), then waits for Redis, restores sessions and signals ready.
 */
export async function startServer(config: Config, logger: Logger): Promise<StartedServer> {
  requireSecrets(config, ['API_KEY', 'INTERNAL_TOKEN']);
  const redis = createRedis(config.REDIS_URL, { name: `${config.QUEUE_PREFIX}-server`, logger });
  const queueSet = createQueues(config, logger);
  let driver: SessionDriver;
  try {
    driver = createDriver({ config, logger, redis });
  } catch (err) {
    redis.disconnect();
    await queueSet.close();
    throw err;
  }
  const events = new EventPublisher(queueSet.queues.webhook, logger);
  // receipts move message statuses (sent/delivered/read) before the event goes to the CRM
  events.observe(messageStatusObserver(new StatusStore(redis, redisKeys(config.QUEUE_PREFIX), config.MESSAGE_RETENTION_DAYS)));
  // receipts of campaign messages count delivered/read per campaign (each recipient once)
  events.observe(campaignReceiptObserver(new CampaignStore(redis, redisKeys(config.QUEUE_PREFIX), retentionSeconds(config.MESSAGE_RETENTION_DAYS))));
  const sessions = new SessionManager({ config, logger, redis, driver, publisher: events });
  // metrics, /stats, Bull Board, /openapi.json and the maintenance schedules
  const ops = serverOperations({ config, logger, redis, queues: queueSet.queues, events, sessions });
  const deps: ServerDeps = {
    config: config as ServerDeps['config'],
    logger,
    redis,
    queues: queueSet.queues,
    routers: [messagesRouter, webhooksRouter, instancesRouter, instanceMediaRouter, broadcastRoutes],
    fastRoutes: [addMessageFastPath],
    bodyParsers: [broadcastBodyParser],
    internalRouters: [internalRouter, ...ops.routers],
    sessions,
    events,
    healthExtra: () => ({ driver: driver.name, sessions: sessions.counts() }),
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
  // Restores run in the background: ready means listening with Redis; sessions come back staggered.
  const restored = sessions.restoreAll().catch((err: Error) => {
    logger.error('restoring instances failed', { error: err.message });
    return undefined;
  });
  ops.start();
  signalReady(logger);
  return {
    app,
    server,
    deps,
    sessions,
    events,
    restored,
    ops,
    async close() {
      await ops.close();
      await closeServer(server);
      // Sockets close (credentials kept) and their last events reach the queue before it closes.
      await sessions.endAll();
      await queueSet.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
