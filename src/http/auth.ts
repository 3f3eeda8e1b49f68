import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import { AppError } from '../shared/errors';

/** Hash both sides first so the comparison takes the same time whatever the lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The credential a caller presented: `Authorization: Bearer <key>` or `apikey: <key>`. */
export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const apikey = req.headers.apikey;
  return typeof apikey === 'string' ? apikey.trim() : undefined;
}

export function requireKey(expected: string, what = 'API key'): RequestHandler {
  // the expected side is hashed once, not per request (every API call passes here)
  const expectedDigest = createHash('sha256').update(expected).digest();
  return (req, _res, next) => {
    const key = presentedKey(req);
    if (!key || !timingSafeEqual(createHash('sha256').update(key).digest(), expectedDigest)) {
      return next(new AppError('unauthorized', `missing or invalid ${what} (send Authorization: Bearer <key> or apikey: <key>)`));
    }
    next();
  };
}

/** Only `Authorization: Bearer <token>`: the workers' credential on /internal, never the public API key. */
export function requireInternalToken(token: string): RequestHandler {
  return (req, _res, next) => {
    const auth = req.headers.authorization ?? '';
    const presented = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
    if (!presented || !safeEqual(presented, token)) return next(new AppError('unauthorized', 'missing or invalid internal token (Authorization: Bearer <INTERNAL_TOKEN>)'));
    next();
  };
}

/**
 * Accepts the API key (Bearer / apikey header, for curl and scripts) or HTTP basic auth (for a
 * browser): user ADMIN_USER, password API_KEY or ADMIN_PASSWORD. A refusal carries
 * WWW-Authenticate so the browser shows its login box.
 */
export function requireKeyOrBasic(config: { API_KEY: string; ADMIN_USER: string; ADMIN_PASSWORD?: string }): RequestHandler {
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

/** For routes that are open by configuration (GET /metrics with METRICS_PUBLIC=true). */
export const noAuth: RequestHandler = (_req, _res, next) => next();
