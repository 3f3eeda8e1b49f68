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
