import { RequestHandler, Router } from 'express';
import type { ServerDeps } from '../server-app';
import { presentedKey, safeEqual } from '../auth';
import { AppError } from '../../shared/errors';
import { createBoardRouter } from '../../queues/board';

export const BOARD_PATH = '/admin/queues';

/**
 * Accepts the API key (Bearer / apikey header, for curl and scripts) or HTTP basic auth (for a
 * browser): user ADMIN_USER, password API_KEY or ADMIN_PASSWORD. A refusal carries
 * WWW-Authenticate so the browser shows its login box.
 */
export function requireKeyOrBasic(config: ServerDeps['config']): RequestHandler {
  const passwords = [config.API_KEY, config.ADMIN_PASSWORD].filter((p): p is string => !!p);
  return (req, res, next) => {
    const key = presentedKey(req);
    if (key && safeEqual(key, config.API_KEY)) return next();
    const basic = parseBasic(req.headers.authorization);
    if (basic && safeEqual(basic.user, config.ADMIN_USER) && passwords.some((p) => safeEqual(basic.password, p))) return next();
    res.set('WWW-Authenticate', 'Basic realm="whatsapp-queue-daemon", charset="UTF-8"');
    next(new AppError('unauthorized', 'missing or invalid credentials (API key, or basic auth with ADMIN_USER and API_KEY/ADMIN_PASSWORD)'));
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Bull Board at /admin/queues: the three queues, with retry and clean, behind requireKeyOrBasic. */
export function adminRouter(deps: ServerDeps): Router {
  const router = Router();
  router.use(BOARD_PATH, requireKeyOrBasic(deps.config), createBoardRouter(deps.queues, BOARD_PATH));
  return router;
}
