import { RequestHandler, Router } from 'express';
import type { ServerDeps } from '../server-app';
import { requireKey } from '../auth';
import type { ProcessMetrics } from '../../metrics/registry';
import { metricsHandler, statsSnapshot } from '../../metrics/http';
import { fetchWorkerStats } from '../../metrics/worker-stats';

const open: RequestHandler = (_req, _res, next) => next();

/**
 * whatsapp-server's observability routes (mounted before the global API key check because each
 * carries its own rule, and neither needs Redis to answer):
 *   GET /metrics  Prometheus text; API key unless METRICS_PUBLIC=true
 *   GET /stats    the same as JSON for people, with each worker's own /stats; API key
 */
export function metricsRouter(metrics: ProcessMetrics): (deps: ServerDeps) => Router {
  return (deps) => {
    const router = Router();
    const key = requireKey(deps.config.API_KEY);
    router.get('/metrics', deps.config.METRICS_PUBLIC ? open : key, metricsHandler(metrics));
    router.get('/stats', key, async (_req, res) => {
      const [server, workers] = await Promise.all([statsSnapshot(metrics), fetchWorkerStats(deps.config)]);
      res.json({ success: true, timestamp: new Date().toISOString(), server, workers });
    });
    return router;
  };
}
