import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../shared/errors';
import type { Access } from './authenticate';
import type { DashboardSessions } from './dashboard-sessions';
import { Principal, setPrincipal } from './principal';

/** The dashboard's session cookie: only sent to /dashboard, never readable by scripts. */
export const SESSION_COOKIE = 'wa_dashboard';
export const DASHBOARD_PATH = '/dashboard';

export interface SessionAuthDeps {
  access: Pick<Access, 'keys' | 'admin' | 'count' | 'scoped'>;
  sessions: DashboardSessions;
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie of a new session: HttpOnly, SameSite=Strict, expiring with it (Secure behind https). */
export function setSessionCookie(req: Request, res: Response, id: string, maxAgeS: number): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=${DASHBOARD_PATH}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=${DASHBOARD_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`);
}

/** The principal of the request's session, or undefined (no cookie, expired, its key deleted). */
export async function sessionPrincipal(req: Request, deps: SessionAuthDeps): Promise<Principal | undefined> {
  const id = readCookie(req, SESSION_COOKIE);
  const session = id ? await deps.sessions.get(id) : undefined;
  if (!session) return undefined;
  if (session.admin) return deps.access.admin;
  // a scoped key is read again on each request: deleting it (or changing its scope) counts at once
  const key = await deps.access.keys.get(session.key);
  return key ? deps.access.scoped(key) : undefined;
}

/** The dashboard API's auth: the session cookie stands for the key that logged in (its scope, its rate limit). */
export function requireSession(deps: SessionAuthDeps): RequestHandler {
  return (req, res, next) => {
    sessionPrincipal(req, deps)
      .then(async (principal) => {
        if (!principal) return next(new AppError('unauthorized', 'not logged in to the dashboard (or the session expired)'));
        setPrincipal(req, principal);
        next(await deps.access.count(res, principal));
      })
      .catch(next);
  };
}

/**
 * A cookie rides along on any request the browser makes, so every write must also carry a header
 * only the dashboard's own scripts send (a form or a link from another site cannot; another
 * origin's fetch would need a CORS preflight nobody answers). SameSite=Strict already keeps the
 * cookie off cross-site requests; this covers browsers and setups where it does not.
 */
export const requireDashboardHeader: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.headers['x-dashboard'] === '1') return next();
  next(new AppError('forbidden', 'dashboard writes need the x-dashboard: 1 header'));
};
