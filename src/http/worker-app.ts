import express, { Express } from 'express';
import { healthHandler, HealthDeps } from './health';
import { errorHandler, notFound } from './errors';
import type { Logger } from '../shared/logger';

/** The small HTTP surface every worker serves on its own port: /health (and later /metrics). */
export function createWorkerApp(deps: HealthDeps & { logger: Logger; extend?: (app: Express) => void }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', healthHandler(deps));
  deps.extend?.(app);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
