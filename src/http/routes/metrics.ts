import type { RequestHandler } from 'express';
import type { ProcessMetrics } from '../../metrics/registry';
import { statsSnapshot } from '../../metrics/http';
import { fetchWorkerStats, WorkerStatsConfig } from '../../metrics/worker-stats';

/**
 * GET /stats: whatsapp-server's metrics as JSON for people, with each worker's own /stats (the ops
 * room puts it behind the API key; it needs no Redis to answer).
 */
export function statsHandler(metrics: ProcessMetrics, config: WorkerStatsConfig): RequestHandler {
  return async (_req, res) => {
    const [server, workers] = await Promise.all([statsSnapshot(metrics), fetchWorkerStats(config)]);
    res.json({ success: true, timestamp: new Date().toISOString(), server, workers });
  };
}
