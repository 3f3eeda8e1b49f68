import express, { Express, RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import type { Queues } from '../queues/factory';
import type { EventPublisher } from '../queues/publisher';
import type { SessionManager } from '../whatsapp/session-manager';
import { healthHandler, queueStatusHandler, requireRedis } from './health';
import { requireKey } from './auth';
import { errorHandler, notFound, requireJsonBody } from './errors';

/** Everything whatsapp-server's routes need, built by its main.ts and passed down. */
export interface ServerDeps {
  config: Config & { API_KEY: string; INTERNAL_TOKEN: string };
  logger: Logger;
  redis: Redis;
  queues: Queues;
  /** route modules added by the features (instances, messages, broadcasts, webhooks, admin) */
  routers?: Array<(deps: ServerDeps) => Router>;
  /** hot paths mounted first, before body parsing and the generic chain (they do their own auth) */
  fastRoutes?: Array<(deps: ServerDeps) => RequestHandler>;
  /** body parsers for routes that need another size limit than BODY_LIMIT (they check the API key first) */
  bodyParsers?: Array<(deps: ServerDeps) => Router>;
  /** routes mounted before the API key check (they carry their own auth, e.g. /internal with INTERNAL_TOKEN) */
  internalRouters?: Array<(deps: ServerDeps) => Router>;
  healthExtra?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** every WhatsApp session of the process (instances, sends, incoming media) */
  sessions?: SessionManager;
  /** events to the CRM through the webhook queue */
  events?: EventPublisher;
}

export function createServerApp(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const queues = Object.values(deps.queues);
  app.get('/health', healthHandler({ processName: 'whatsapp-server', redis: deps.redis, queues, extra: deps.healthExtra }));
  for (const make of deps.fastRoutes ?? []) app.use(make(deps));
  app.use(requireJsonBody);
  // A body already read by a route's own parser is skipped by the global one.
  for (const make of deps.bodyParsers ?? []) app.use(make(deps));
  app.use(express.json({ limit: deps.config.BODY_LIMIT }));
  for (const make of deps.internalRouters ?? []) app.use(make(deps));
  app.use(requireKey(deps.config.API_KEY));
  app.get('/queue-status', queueStatusHandler(deps.redis, queues));
  app.use(requireRedis(deps.redis));
  for (const make of deps.routers ?? []) app.use(make(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
