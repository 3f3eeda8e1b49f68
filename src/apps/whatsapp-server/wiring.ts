import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { Config, requireSecrets } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { createRedis, redisTarget, waitForRedis, checkRedisDurability } from '../../shared/redis';
import { closeServer, listen, Running, signalReady } from '../../shared/lifecycle';
import { createQueues, Queues } from '../../queues/factory';
import { createServerApp } from '../../http/server-app';
import { publicRoom } from '../../http/rooms/public';
import { internalRoom } from '../../http/rooms/internal';
import { opsRoom } from '../../http/rooms/ops';
import { dashboardRoom } from '../../http/rooms/dashboard';
import { createAccess } from '../../http/access/authenticate';
import { createAddMessageService } from '../../messages/add-message-service';
import { campaignReceiptObserver } from '../../campaigns/receipts';
import { CampaignStore, retentionSeconds } from '../../campaigns/store';
import { messageStatusObserver, ReceiptRecords } from '../../messages/receipts';
import { CircuitBreaker } from '../../pacing/circuit-breaker';
import { StatusStore } from '../../messages/status-store';
import { redisKeys } from '../../shared/keys';
import { EventPublisher } from '../../queues/publisher';
import { createDriver } from '../../whatsapp/driver-factory';
import { SessionManager } from '../../whatsapp/host/session-manager';
import { NumberChecker } from '../../whatsapp/numbers/number-check';
import type { RestoreSummary } from '../../whatsapp/host/session-restore';
import type { SessionDriver } from '../../whatsapp/types';
import { serverOperations, ServerOperations } from './operations';
import { serverMessageLog } from './message-log';
import { serverMessenger } from './messenger';
import { serverRestrictions } from './restrictions';
import { serverBudget } from './budget';
import { serverCluster } from './cluster';

/** GET /instance/:id/qr also takes ?apikey= (?format=png opened in a browser tab). */
const QR_PATH = /^\/instance\/[^/]+\/qr$/;

/** The real objects the rooms were built from (tests reach the queues and Redis through them). */
export interface ServerObjects {
  config: SecretConfig;
  logger: Logger;
  redis: Redis;
  queues: Queues;
}

type SecretConfig = Config & { API_KEY: string; INTERNAL_TOKEN: string };

export interface StartedServer extends Running {
  app: Express;
  server: Server;
  deps: ServerObjects;
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
  // auto-pipelined: a busy server issues many commands per tick (send ledger, statuses, observers);
  // measured (issue 17): one socket write per command was 15 % of its CPU under the e2e bench
  const redis = createRedis(redisTarget(config), { name: `${config.QUEUE_PREFIX}-server`, logger, autoPipelining: true });
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
  // a late rejection counts as a send failure of the instance (repeated ones pause its sends)
  const breaker = new CircuitBreaker(redis, redisKeys(config.QUEUE_PREFIX), { threshold: config.CIRCUIT_FAILURE_THRESHOLD, pauseMs: config.CIRCUIT_PAUSE_MS, publish: (e) => events.publish(e), logger });
  // restriction state (timelock, new-chat cap) and the chats that wrote to us, kept in Redis for the workers' budget
  const restrictions = serverRestrictions(config, redis, events, logger);
  // the send budget: opt-out words -> suppression list, receipts and replies -> health, GET /instance/:id/budget
  const budget = serverBudget(config, redis, events, logger);
  // receipts move message statuses (sent/delivered/read, late rejections) before the event goes to the CRM;
  // the record each status write read goes on to the message log's observer (records)
  const receiptRecords = new ReceiptRecords();
  events.observe(
    messageStatusObserver(new StatusStore(redis, redisKeys(config.QUEUE_PREFIX), config.MESSAGE_RETENTION_DAYS), {
      records: receiptRecords,
      publish: (e) => events.publish(e),
      // and a 463 marks the reachout timelock (restriction.ts has the rule and its expiry)
      onRejected: async (instanceId, r, d) => {
        await budget.onRejected(instanceId, d.messageId || d.waMessageId);
        await breaker.recordFailure(instanceId, `late rejection ${r.waCode}: ${r.code}`);
        await restrictions.onRejected(instanceId, r);
      },
    }),
  );
  // receipts of campaign messages count delivered/read per campaign (each recipient once)
  events.observe(campaignReceiptObserver(new CampaignStore(redis, redisKeys(config.QUEUE_PREFIX), retentionSeconds(config.MESSAGE_RETENTION_DAYS))));
  // receipts become message-log rows (Redis buffer -> webhook-worker -> PostgreSQL); the store answers GET /messages
  const messageLog = serverMessageLog(config, logger, redis, events, receiptRecords);
  // SERVER_SHARDS > 1 (or SHARDING=on): leases in Redis, placement, forwarding; otherwise one server as before
  const cluster = serverCluster(config, logger, redis);
  const sessions = new SessionManager({ config, logger, redis, driver, publisher: events, ownership: cluster.ownership });
  // Facebook Pages as instances, and Facebook's webhook as a room of its own (X-Hub-Signature-256)
  const messenger = serverMessenger(config, logger, redis, sessions.registry, events);
  // metrics, /stats, Bull Board, /openapi.json and the maintenance schedules
  const ops = serverOperations({ config, logger, redis, queues: queueSet.queues, events, sessions: cluster.heartbeatSessions(sessions) });
  restrictions.attach(sessions, ops.metrics);
  ops.monit.add(...budget.gauges(ops.metrics, async () => (await sessions.registry.list()).filter((r) => (r.channel ?? 'whatsapp') === 'whatsapp').map((r) => r.instanceId)));
  const deps: ServerObjects = { config: config as SecretConfig, logger, redis, queues: queueSet.queues };
  // one service for the fast path and the route: one instance cache, one write batch
  const addMessage = createAddMessageService(config, redis, queueSet.queues.message);
  // one number-check cache for check-numbers (public) and the workers' checkNumber sends (internal)
  const numbers = new NumberChecker({ redis, keys: redisKeys(config.QUEUE_PREFIX), ttlSeconds: config.CHECK_NUMBERS_TTL_HOURS * 3600, sessions });
  // the admin key, scoped keys and the per-key rate limit: one for every room that takes a key
  const shard = cluster.attach(sessions, { numbers, restrictions: restrictions.store });
  const access = createAccess({ apiKey: deps.config.API_KEY, redis, prefix: config.QUEUE_PREFIX, ratePerMin: config.API_RATE_LIMIT_PER_MIN, queryKeyPaths: [QR_PATH] });
  const app = createServerApp({
    logger,
    health: { processName: 'whatsapp-server', redis, queues: Object.values(queueSet.queues), extra: () => ({ driver: driver.name, sessions: sessions.counts(), ...(cluster.settings.enabled ? { shard: { id: cluster.settings.shardId, index: cluster.settings.index, port: cluster.settings.port } } : {}) }) },
    // each room its own prefix, auth, body limit and deps
    rooms: [
      internalRoom({ ...deps, sessions, numbers, fence: shard.fence, extra: shard.internal }),
      opsRoom({ config: deps.config, metrics: ops.metrics, queues: queueSet.queues, access }),
      messenger.room,
      // /dashboard: the operators' page and its session-cookie API (the same routes, the same scopes)
      dashboardRoom({ ...deps, sessions, events, access, metrics: ops.metrics, restrictions: restrictions.store }),
    ],
    // every other path is the public API's (API key first)
    fallback: publicRoom({ ...deps, sessions, events, addMessage, access, numbers, restrictions: restrictions.store, budget: budget.budget, messageLog: messageLog.store, messengerInstances: messenger.instances, shards: shard }),
  });
  let server: Server;
  try {
    server = await listen(app, cluster.settings.port, config.HOST);
  } catch (err) {
    redis.disconnect();
    await queueSet.close();
    throw err;
  }
  logger.info('listening', { port: cluster.settings.port, host: config.HOST });
  await waitForRedis(redis, logger);
  await checkRedisDurability(redis, logger);
  // Restores run in the background: ready means listening with Redis; sessions come back staggered.
  // a sharded server restores through placement: it takes only instances nobody holds (cluster.ts)
  const restoring = cluster.settings.enabled ? cluster.start(app, ops.metrics).then(() => undefined) : sessions.restoreAll();
  const restored = restoring.catch((err: Error) => {
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
      // sharded: stop adopting, say so in the directory, let the front door go to another shard
      await cluster.leave();
      await closeServer(server);
      // Sockets close (credentials kept) and their last events reach the queue before it closes;
      // sharded, their instances are handed to the other shards as they close.
      await cluster.endSessions(() => sessions.endAll());
      await messageLog.close();
      breaker.close();
      await queueSet.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
