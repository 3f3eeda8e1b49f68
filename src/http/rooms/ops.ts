import express, { RequestHandler, Router } from 'express';
import type { Config } from '../../shared/config';
import type { Queues } from '../../queues/factory';
import { createBoardRouter } from '../../queues/board';
import type { ProcessMetrics } from '../../metrics/registry';
import { metricsHandler } from '../../metrics/http';
import type { WorkerStatsConfig } from '../../metrics/worker-stats';
import { noAuth, requireKeyOrBasic } from '../auth';
import { Access, requireAdmin } from '../access/authenticate';
import { setPrincipal } from '../access/principal';
import { statsHandler } from '../routes/metrics';
import { openapiHandler } from '../routes/openapi';
import type { HttpRoom } from './room';

export const BOARD_PATH = '/admin/queues';
/** the paths this room claims (it is mounted at '/', so its parser is scoped to them) */
export const OPS_PATHS = ['/metrics', '/stats', BOARD_PATH, '/openapi.json'];

/** What the operators' side uses: no Redis connection, no sessions. */
export interface OpsRoomDeps {
  config: Pick<Config, 'BODY_LIMIT' | 'METRICS_PUBLIC' | 'ADMIN_USER' | 'ADMIN_PASSWORD'> & WorkerStatsConfig & { API_KEY: string };
  /** whatsapp-server's registry (the wiring's operations own it) */
  metrics: ProcessMetrics;
  /** for Bull Board */
  queues: Queues;
  /** the API keys and their rate limit (these routes are admin-only: a scoped key gets 403) */
  access: Pick<Access, 'authenticate' | 'admin' | 'count'>;
}

/**
 * For operators, and answering while Redis is away (none of it checks Redis first):
 *   GET /metrics        Prometheus text; admin API key unless METRICS_PUBLIC=true
 *   GET /stats          the same as JSON with each worker's /stats; admin API key
 *   /admin/queues       Bull Board; admin API key or basic auth (ADMIN_USER, API_KEY/ADMIN_PASSWORD)
 * Each counts against the admin key's rate limit (API_RATE_LIMIT_PER_MIN).
 *   GET /openapi.json   no auth (it holds no secrets)
 * Anything else (another method on these paths too) falls through to the public room.
 */
export function opsRoom(deps: OpsRoomDeps): HttpRoom {
  const { config } = deps;
  const { access } = deps;
  const key = [access.authenticate, requireAdmin];
  // basic auth (or the header) proved the admin: count it like any admin request
  const countBoard: RequestHandler = (req, res, next) => {
    setPrincipal(req, access.admin);
    access.count(res, access.admin).then((refused) => next(refused), next);
  };
  const router = Router();
  router.use(OPS_PATHS, express.json({ limit: config.BODY_LIMIT }));
  router.use(BOARD_PATH, requireKeyOrBasic(config), countBoard, createBoardRouter(deps.queues, BOARD_PATH));
  router.get('/metrics', config.METRICS_PUBLIC ? noAuth : key, metricsHandler(deps.metrics));
  router.get('/stats', key, statsHandler(deps.metrics, config));
  router.get('/openapi.json', openapiHandler());
  return { name: 'ops', prefix: '/', router };
}
