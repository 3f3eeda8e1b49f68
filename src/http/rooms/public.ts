import express, { RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { Queues } from '../../queues/factory';
import type { EventPublisher } from '../../queues/publisher';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import type { AddMessageService } from '../../messages/add-message-service';
import type { Access } from '../access/authenticate';
import { checkScope, scopeGuard } from '../access/scope-guard';
import { keysRouter } from '../routes/keys';
import { broadcastListRouter } from '../routes/broadcast-list';
import { queueStatusHandler, requireRedis } from '../health';
import { addMessageFastPath, addMessageFront, messagesRouter } from '../routes/messages';
import { webhooksRouter } from '../routes/webhooks';
import { webhookEndpointsRouter } from '../routes/webhook-endpoints';
import { instancesRouter } from '../routes/instances';
import type { RestrictionStore } from '../../whatsapp/restriction/store';
import type { SendBudget } from '../../budget/send-budget';
import { campaignEtaMs } from '../../budget/campaign-eta';
import type { PacingDefaults } from '../../campaigns/summary';
import { budgetRouter } from '../routes/budget';
import { suppressionsRouter } from '../routes/suppressions';
import { instanceMediaRouter } from '../routes/instance-media';
import { checkNumbersRouter } from '../routes/check-numbers';
import { crmReadsRouter } from '../routes/crm-reads';
import type { NumberChecker } from '../../whatsapp/numbers/number-check';
import { broadcastRoutes } from '../routes/broadcasts';
import { messageLogRouter } from '../routes/message-log';
import { messengerInstancesRouter } from '../routes/messenger-instances';
import { sendStatsRouter } from '../routes/messenger-stats';
import type { MessengerInstances } from '../../messenger/instances';
import type { MessageLogStore } from '../../message-log';
import { CampaignStore, retentionSeconds } from '../../campaigns/store';
import { redisKeys } from '../../shared/keys';
import type { HttpRoom } from './room';
import type { ShardControl } from '../../cluster/control';
import { shardsRouter } from '../routes/shards';

/** What the public API uses; nothing of the internal API or the operators' side. */
export interface PublicRoomDeps {
  config: Config & { API_KEY: string };
  logger: Logger;
  redis: Redis;
  queues: Queues;
  /** instances, incoming media and the sandbox's incoming messages */
  sessions: SessionManager;
  /** campaign.completed when a cancel removed a campaign's job */
  events: Pick<EventPublisher, 'publish'>;
  /** built once by the wiring: the fast path and the Express route share its cache and write batches */
  addMessage: Pick<AddMessageService, 'add'>;
  /** check-numbers: the cached directory lookups the internal room's /internal/check shares */
  numbers: Pick<NumberChecker, 'check'>;
  /** GET /instance/:id/status shows the instance's restriction state (RestrictionStore, Redis) */
  restrictions?: Pick<RestrictionStore, 'get'>;
  /** the send budget: GET /instance/:id/budget, health reset, the suppression list, campaign ETAs */
  budget?: SendBudget;
  /** API keys (admin and scoped) and the per-key rate limit, shared with the other rooms */
  access: Access;
  /** the message log's queries (PostgreSQL); absent with MESSAGE_LOG=off */
  messageLog?: Pick<MessageLogStore, 'query' | 'campaignOutcomes'>;
  /** Messenger pages as instances (create/delete ahead of WhatsApp's instance routes) */
  messengerInstances?: MessengerInstances;
  /** shards: GET /shards, moves and drains; sharded servers also forward socket requests to the owner */
  shards?: { control: ShardControl; forward?: RequestHandler };
}

/**
 * The public API (the CRM's edge functions): add-message with its fast path, messages, instances,
 * instance media, broadcasts, webhook dead letters and replay, /queue-status, scoped keys. API key
 * auth (admin or scoped, counted against the key's rate limit), the scope guard, BODY_LIMIT (add-broadcast: BROADCAST_BODY_LIMIT), and Redis for everything but /queue-status
 * (which reports Redis being away itself).
 *
 * It is the server's fallback room, mounted at '/' after the others: every path no other room
 * answered lands here, so an unknown path is 401 without the key and 404 (or 503 while Redis is
 * away) with it.
 */
export function publicRoom(deps: PublicRoomDeps): HttpRoom {
  const { config, redis, queues } = deps;
  // one key check (and rate count) shared by the fast path and the room's chain
  const auth = deps.access.authenticate;
  const router = Router();
  // add-broadcast's larger limit (100,000 contacts are about 4 MB) is read only after the key,
  // so only callers with the key can make the server parse a large body
  router.post('/queue/add-broadcast', auth, express.json({ limit: config.BROADCAST_BODY_LIMIT }));
  // the room's BODY_LIMIT parser comes before its key check (as always: 413 and 400 for bad bodies
  // whoever sends them); it skips a body an earlier parser already read
  router.use(express.json({ limit: config.BODY_LIMIT }));
  router.use(auth);
  // a scoped key: read-only, its instances only, admin-only routes refused
  router.use(scopeGuard);
  router.get('/queue-status', queueStatusHandler(redis, Object.values(queues)));
  router.use(requireRedis(redis));
  // a Messenger page's instance routes first: a WhatsApp instance's requests pass through them
  if (deps.messengerInstances) router.use(messengerInstancesRouter({ instances: deps.messengerInstances, registry: deps.sessions.registry }));
  router.use(sendStatsRouter({ config, redis, registry: deps.sessions.registry }));
  // sharded: what needs an instance's socket goes to the shard holding it (forward.ts)
  if (deps.shards?.forward) router.use(deps.shards.forward);
  if (deps.shards) router.use(shardsRouter({ control: deps.shards.control }));
  router.use(
    messagesRouter({ config, redis, queue: queues.message, addMessage: deps.addMessage }),
    webhooksRouter({ config, redis, queue: queues.webhook }),
    webhookEndpointsRouter({ config, logger: deps.logger, redis, queue: queues.webhook, events: deps.events }),
    instancesRouter({ sessions: deps.sessions, restrictions: deps.restrictions, shardsOf: deps.shards?.control.enabled ? (ids) => deps.shards!.control.ownersOf(ids) : undefined }),
    instanceMediaRouter({ config, logger: deps.logger, sessions: deps.sessions }),
    checkNumbersRouter({ numbers: deps.numbers }),
    crmReadsRouter({ sessions: deps.sessions, numbers: deps.numbers }),
    broadcastRoutes({ config, logger: deps.logger, redis, queue: queues.broadcast, events: deps.events, budgetEta: budgetEta(deps.budget) }),
    broadcastListRouter({ config, redis }),
    keysRouter({ keys: deps.access.keys }),
    messageLogRouter({ log: deps.messageLog, campaigns: new CampaignStore(redis, redisKeys(config.QUEUE_PREFIX), retentionSeconds(config.MESSAGE_RETENTION_DAYS)) }),
  );
  // the send budget: a number's budget and health reset, the suppression list
  if (deps.budget) {
    router.use(
      budgetRouter({ budget: deps.budget, redis, keys: redisKeys(config.QUEUE_PREFIX), registry: deps.sessions.registry, update: (id, fields) => deps.sessions.update(id, fields) }),
      suppressionsRouter({ suppressions: deps.budget.suppressions, registry: deps.sessions.registry }),
    );
  }
  return {
    name: 'public',
    prefix: '/',
    // a plain-JSON add-message is answered before any body parsing (a measured hot path)
    early: addMessageFastPath({ auth, authorize: checkScope, redis, bodyLimit: config.BODY_LIMIT, addMessage: deps.addMessage }),
    // and its admin-key case ahead of Express itself (measured: issue 17, BENCHMARKS.md)
    front: addMessageFront({ adminOf: deps.access.adminOf, count: deps.access.count, redis, bodyLimit: config.BODY_LIMIT, addMessage: deps.addMessage }),
    router,
  };
}

/** Campaign ETAs under the number's budget (GET /broadcast-status); none without a budget. */
function budgetEta(budget: SendBudget | undefined): PacingDefaults['budgetEta'] {
  return budget ? (record, pending) => campaignEtaMs(budget, record.instanceId, pending, { rateLimitMs: record.rateLimitMs, templated: record.templated }) : undefined;
}
