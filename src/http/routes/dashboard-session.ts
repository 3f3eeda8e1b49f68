import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../shared/parse-input';
import { AppError } from '../../shared/errors';
import type { Access } from '../access/authenticate';
import type { DashboardSessions } from '../access/dashboard-sessions';
import type { Principal } from '../access/principal';
import { clearSessionCookie, readCookie, SESSION_COOKIE, sessionPrincipal, setSessionCookie } from '../access/session-auth';

const loginBody = z.object({ key: z.string().min(1).max(500) }).strict();

export interface DashboardSessionDeps {
  access: Pick<Access, 'resolve' | 'keys' | 'admin' | 'count' | 'scoped'>;
  sessions: DashboardSessions;
}

/** What the page shows of who is logged in (never the key). */
export function meJson(p: Principal): Record<string, unknown> {
  return { name: p.name, admin: p.admin, instances: p.instances, readOnly: p.readOnly };
}

/**
 * The dashboard's login (relative to /dashboard/api):
 *   POST /login  { key }  the admin API_KEY or a scoped key -> session cookie (HttpOnly, SameSite=Strict,
 *                         DASHBOARD_SESSION_TTL_S); 401 for a wrong key
 *   POST /logout          ends the session
 *   GET  /me              who is logged in; 401 when nobody is
 */
export function dashboardSessionRouter(deps: DashboardSessionDeps): Router {
  const router = Router();

  router.post('/login', async (req, res) => {
    const { key } = parseInput(loginBody, req.body ?? {});
    const principal = await deps.access.resolve(key.trim());
    if (!principal) throw new AppError('unauthorized', 'wrong API key');
    // a login counts against the key's rate limit like any request of it
    const refused = await deps.access.count(res, principal);
    if (refused) throw refused;
    const id = await deps.sessions.create({ key: principal.name, admin: principal.admin });
    setSessionCookie(req, res, id, deps.sessions.ttlSeconds);
    res.json({ success: true, me: meJson(principal), expiresInS: deps.sessions.ttlSeconds });
  });

  router.post('/logout', async (req, res) => {
    const id = readCookie(req, SESSION_COOKIE);
    if (id) await deps.sessions.remove(id);
    clearSessionCookie(res);
    res.json({ success: true });
  });

  router.get('/me', async (req, res) => {
    const principal = await sessionPrincipal(req, deps);
    if (!principal) throw new AppError('unauthorized', 'not logged in to the dashboard (or the session expired)');
    res.json({ success: true, me: meJson(principal) });
  });

  return router;
}
