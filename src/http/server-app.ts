import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import express, { Express, RequestHandler } from 'express';
import type { Logger } from '../shared/logger';
import { healthHandler, HealthDeps } from './health';
import { errorHandler, notFound, requireJsonBody } from './errors';
import type { FrontHandler, HttpRoom } from './rooms/room';

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
  // an error of a front handler (below) enters the app here and goes straight to errorHandler
  app.use(frontErrors);
  app.get('/health', healthHandler(deps.health));
  const rooms = [...deps.rooms, deps.fallback];
  for (const room of rooms) if (room.early) app.use(room.prefix, room.early);
  app.use(requireJsonBody);
  // A request a room does not answer falls through to the next room (ending in the fallback's auth).
  for (const room of rooms) app.use(room.prefix, room.router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  const fronts = rooms.flatMap((r) => (r.front ? [r.front] : []));
  if (fronts.length) {
    // The listening server asks the rooms' front handlers first (measured, issue 17: Express's
    // request set-up and router were about a tenth of add-message's CPU). Tests that hand the app
    // to supertest go through Express only (the rooms' early paths answer the same).
    const handle = frontDispatch(fronts, app);
    app.listen = ((...args: Parameters<ReturnType<typeof createServer>['listen']>) => createServer(handle).listen(...args)) as Express['listen'];
  }
  return app;
}

const FRONT_ERROR = Symbol('frontError');
type WithFrontError = IncomingMessage & { [FRONT_ERROR]?: unknown };

const frontErrors: RequestHandler = (req, _res, next) => {
  const err = (req as WithFrontError)[FRONT_ERROR];
  next(err === undefined ? undefined : err);
};

function frontDispatch(fronts: FrontHandler[], app: Express): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const fail = (err: unknown) => {
      (req as WithFrontError)[FRONT_ERROR] = err ?? new Error('front handler failed');
      app(req, res);
    };
    for (const front of fronts) if (front(req, res, fail)) return;
    app(req, res);
  };
}
