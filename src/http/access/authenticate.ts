import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../shared/errors';
import { presentedKey } from '../auth';
import { ApiKeyStore, looksScoped, ScopedKey } from './key-store';
import { adminPrincipal, Principal, principalOf, setPrincipal } from './principal';
import { applyRateHeaders, HeaderSink, RateLimiter } from './rate-limit';

export interface AccessDeps {
  /** the admin key */
  apiKey: string;
  redis: Redis;
  prefix: string;
  /** API_RATE_LIMIT_PER_MIN: the admin key's limit and the default of scoped keys */
  ratePerMin: number;
  /**
   * GET paths that also take the key as `?apikey=`: a QR image opened in a browser tab or an <img>
   * cannot send a header. Only these (a key in a URL ends up in browser history and proxy logs).
   */
  queryKeyPaths?: RegExp[];
}

/** Who may call, and how often: shared by every room that takes the API key. */
export interface Access {
  keys: ApiKeyStore;
  /** the admin key's principal (Bull Board's basic auth stands for it) */
  admin: Principal;
  /** API key (admin or scoped) -> principal, then the rate limit; 401 / 429 / 503 */
  authenticate: RequestHandler;
  /** the principal a credential stands for, or undefined (dashboard login) */
  resolve(secret: string): Promise<Principal | undefined>;
  /** counts one request of a known principal: sets RateLimit-* and returns the 429 error when over */
  count(res: HeaderSink, principal: Principal): Promise<AppError | undefined>;
  /** the principal of a stored scoped key */
  scoped(key: ScopedKey): Principal;
  /** the admin principal when the request presents the admin key, else undefined (no Redis, no count) */
  adminOf(req: IncomingMessage): Principal | undefined;
}

/** After authenticate: only the admin key passes (a scoped key gets 403). */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  const principal = principalOf(req);
  next(principal && !principal.admin ? new AppError('forbidden', `this route needs the admin API key (API_KEY); key ${principal.name} is scoped`) : undefined);
};

function queryKey(req: Request, paths: RegExp[] | undefined): string | undefined {
  if (!paths || (req.method !== 'GET' && req.method !== 'HEAD') || !paths.some((p) => p.test(req.path))) return undefined;
  const value = req.query.apikey;
  return typeof value === 'string' && value ? value : undefined;
}

export function unauthorized(): AppError {
  return new AppError('unauthorized', 'missing or invalid API key (send Authorization: Bearer <key> or apikey: <key>)');
}

export function createAccess(deps: AccessDeps): Access {
  // the admin side is hashed once, not per request (every API call passes here)
  const adminDigest = createHash('sha256').update(deps.apiKey).digest();
  const admin = adminPrincipal(deps.ratePerMin);
  const keys = new ApiKeyStore(deps.redis, deps.prefix);
  const limiter = new RateLimiter(deps.redis, deps.prefix);

  async function resolve(secret: string): Promise<Principal | undefined> {
    if (timingSafeEqual(createHash('sha256').update(secret).digest(), adminDigest)) return admin;
    // only a credential of the scoped shape costs a Redis read (a wrong admin key does not)
    if (!looksScoped(secret)) return undefined;
    if (deps.redis.status !== 'ready') throw new AppError('redis_unavailable', 'Redis is unreachable: scoped API keys cannot be checked now; retry shortly');
    const key = await keys.verify(secret);
    return key ? scoped(key) : undefined;
  }

  function scoped(key: ScopedKey): Principal {
    return { name: key.name, admin: false, instances: key.instances, readOnly: key.readOnly, ratePerMin: key.rateLimitPerMin ?? deps.ratePerMin };
  }

  async function count(res: HeaderSink, principal: Principal): Promise<AppError | undefined> {
    return applyRateHeaders(res, await limiter.hit(principal.admin ? 'admin' : `key:${principal.name}`, principal.ratePerMin));
  }

  const authenticate: RequestHandler = (req: Request, res, next) => {
    // a second check of the same request (add-broadcast's early parser) neither looks up nor counts again
    if (principalOf(req)) return next();
    const secret = presentedKey(req) ?? queryKey(req, deps.queryKeyPaths);
    if (!secret) return next(unauthorized());
    resolve(secret)
      .then(async (principal) => {
        if (!principal) return next(unauthorized());
        setPrincipal(req, principal);
        next(await count(res, principal));
      })
      .catch(next);
  };

  function adminOf(req: IncomingMessage): Principal | undefined {
    const secret = presentedKey(req as Request);
    return secret && timingSafeEqual(createHash('sha256').update(secret).digest(), adminDigest) ? admin : undefined;
  }

  return { keys, admin, authenticate, resolve, count, scoped, adminOf };
}
