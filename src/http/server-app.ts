import express, { Express } from 'express';
import type { Logger } from '../shared/logger';
import { healthHandler, HealthDeps } from './health';
import { errorHandler, notFound, requireJsonBody } from './errors';
import type { HttpRoom } from './rooms/room';

export interface ServerAppDeps {
  logger: Logger;
  /** GET /health, answered ahead of every room (with or without Redis, without auth) */
  health: HealthDeps;
  /** rooms that claim their own prefix or paths (internal, ops), mounted in this order */
  rooms: HttpRoom[];
  /**
   * the room that answers every path no other room answered (the public API): its auth decides
   * what an unknown path gets (401 without the API key, 404 with it)
   */
  fallback: HttpRoom;
}

/**
 * whatsapp-server's Express app: /health, then each room's early hot path, then the 415 check
 * for non-JSON bodies (every room's, ahead of any auth), then the rooms, then the JSON 404.
 */
export function createServerApp(deps: ServerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.get('/health', healthHandler(deps.health));
  const rooms = [...deps.rooms, deps.fallback];
  for (const room of rooms) if (room.early) app.use(room.prefix, room.early);
  app.use(requireJsonBody);
  // A request a room does not answer falls through to the next room (ending in the fallback's auth).
  for (const room of rooms) app.use(room.prefix, room.router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
