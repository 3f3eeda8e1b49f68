import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { WorkerSpec } from '../_runtime/worker-process';
import { createCampaignHandler } from '../../campaigns/worker';
import type { GraphClient } from '../../messenger';

/** broadcast-worker: consumes the `broadcast` queue; one job per campaign, run by the campaign runner. */
export function broadcastWorkerSpec(config: Config, logger: Logger): WorkerSpec<'broadcast'> {
  let close: (() => void) | undefined;
  let graph: GraphClient | undefined;
  return {
    name: 'broadcast-worker',
    queue: 'broadcast',
    port: config.BROADCAST_WORKER_PORT,
    concurrency: config.BROADCAST_CONCURRENCY,
    handler: (ctx) => {
      const built = createCampaignHandler(ctx, config, logger);
      close = built.close;
      graph = built.graph;
      return built.handler;
    },
    extend: (app) => app.get('/stats/http-client', (_req, res) => void res.json(graph?.stats() ?? {})),
    onClose: async () => close?.(),
  };
}
