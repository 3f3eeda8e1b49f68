import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Router } from 'express';

/**
 * A hot path answered before Express sees the request (no router, no Express request/response
 * set-up): returns false, having touched nothing, to leave the request to the rooms; true when it
 * answers. An error after it took the request goes to fail(), which hands it to the app's error
 * handler, so the answer is the same JSON error the rooms give.
 */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse, fail: (err: unknown) => void) => boolean;

/**
 * One room of whatsapp-server's HTTP surface (as a fastify plugin is): where it is mounted, who may
 * enter, how large a body it reads and which objects it uses are the room's own, so adding a room
 * never moves another room's auth. Rooms are built from narrow deps (an interface per room) by the
 * app's wiring, then handed to createServerApp, which only mounts them.
 *
 * The dashboard room (dashboard.ts) joined this way: its own prefix, auth (a session cookie), body
 * limit and deps interface, listed among the server's rooms (ahead of the public room, which
 * answers every unclaimed path).
 */
export interface HttpRoom {
  /** for reading and logs: 'public', 'internal', 'ops', 'dashboard' */
  name: string;
  /**
   * where the router is mounted: a prefix ('/internal'; routes inside are relative to it), or '/'
   * for a room that claims a set of full paths itself (ops) or every unclaimed path (public)
   */
  prefix: string;
  /** runs ahead of the body checks of every room: a hot path that authenticates and reads its body itself */
  early?: RequestHandler;
  /** ahead of Express itself (see FrontHandler): the busiest route's common case */
  front?: FrontHandler;
  /** the room's own auth, body parser, Redis guard and routes, in that room's order */
  router: Router;
}
