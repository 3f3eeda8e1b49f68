import { join } from 'node:path';
import express, { RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { AppError } from '../../shared/errors';
import type { Queues } from '../../queues/factory';
import type { EventPublisher } from '../../queues/publisher';
import type { ProcessMetrics } from '../../metrics/registry';
import { metricsHandler } from '../../metrics/http';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import { Access, requireAdmin } from '../access/authenticate';
import { DashboardSessions } from '../access/dashboard-sessions';
import { DASHBOARD_PATH, requireDashboardHeader, requireSession } from '../access/session-auth';
import { scopeGuard } from '../access/scope-guard';
import { requireRedis } from '../health';
import { dashboardSessionRouter } from '../routes/dashboard-session';
import { instancesRouter, InstancesRouteDeps } from '../routes/instances';
import { broadcastRoutes } from '../routes/broadcasts';
import { broadcastListRouter } from '../routes/broadcast-list';
import { webhooksRouter } from '../routes/webhooks';
import type { HttpRoom } from './room';

/** `npm run build` writes the page here (scripts/build-dashboard.js); the same path from src/ and dist/. */
export const DASHBOARD_DIR = join(__dirname, '..', '..', '..', 'dist', 'dashboard');

/** What the dashboard uses: what its API shows (instances, campaigns, dead letters, metrics), no internal API. */
export interface DashboardRoomDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  queues: Pick<Queues, 'broadcast' | 'webhook'>;
  sessions: SessionManager;
  events: Pick<EventPublisher, 'publish'>;
  access: Access;
  /** whatsapp-server's registry, for the admin's metrics link */
  metrics: ProcessMetrics;
  restrictions?: InstancesRouteDeps['restrictions'];
}

// The page loads nothing but its own files: no inline script, no CDN, no web font.
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // no file names carry a hash: revalidate every time (cheap ETag check)
  'Cache-Control': 'no-cache',
};

/**
 * /dashboard: the operators' page (static files built with the project) and its API under
 * /dashboard/api, behind a login with the API key that opens a session cookie (HttpOnly,
 * SameSite=Strict, DASHBOARD_SESSION_TTL_S; writes also need the x-dashboard header). A scoped key
 * logs in with its scope: the same scope guard as the public API, the same routes, its rate limit.
 * The static files need no login (they hold no data); everything they show comes from the API.
 */
export function dashboardRoom(deps: DashboardRoomDeps): HttpRoom {
  const sessions = new DashboardSessions(deps.redis, deps.config.QUEUE_PREFIX, deps.config.DASHBOARD_SESSION_TTL_S);
  const router = Router();
  router.use('/api', dashboardApi(deps, sessions));
  // /dashboard -> /dashboard/ (the static middleware serves the index only below the slash)
  router.get('/', (req, res, next) => (req.originalUrl.split('?')[0] === DASHBOARD_PATH ? res.redirect(301, `${DASHBOARD_PATH}/`) : next()));
  router.use(
    express.static(DASHBOARD_DIR, { index: 'index.html', redirect: false, setHeaders: (res) => res.set(PAGE_HEADERS) }),
    notBuilt,
  );
  return { name: 'dashboard', prefix: DASHBOARD_PATH, router };
}

function dashboardApi(deps: DashboardRoomDeps, sessions: DashboardSessions): Router {
  const { config, redis, access, queues } = deps;
  const api = Router();
  api.use(express.json({ limit: config.BODY_LIMIT }));
  api.use(requireDashboardHeader);
  // sessions and everything the page shows live in Redis
  api.use(requireRedis(redis));
  api.use(dashboardSessionRouter({ access, sessions }));
  api.use(requireSession({ access, sessions }));
  api.use(scopeGuard);
  api.get('/metrics', requireAdmin, metricsHandler(deps.metrics));
  api.use(
    instancesRouter({ sessions: deps.sessions, restrictions: deps.restrictions }),
    broadcastListRouter({ config, redis }),
    broadcastRoutes({ config, logger: deps.logger, redis, queue: queues.broadcast, events: deps.events }),
    webhooksRouter({ config, redis, queue: queues.webhook }),
  );
  // an unknown API path is the dashboard's 404, never the public room's
  api.use((req, _res, next) => next(new AppError('not_found', `no dashboard route for ${req.method} ${req.path}`)));
  return api;
}

/** The page was not built (a checkout without `npm run build`): say so instead of a bare 404. */
const notBuilt: RequestHandler = (req, res, next) => {
  if (req.method !== 'GET' || (req.path !== '/' && req.path !== '/index.html')) return next(new AppError('not_found', `no dashboard file ${req.path}`));
  res.status(404).type('text/plain').send('The dashboard is not built: run `npm run build` (it writes dist/dashboard).\n');
};
