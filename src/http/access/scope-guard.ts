import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors';
import { assertVisible, assertWritable, principalOf } from './principal';

interface ScopedRoute {
  method: 'GET' | 'POST' | '*';
  path: RegExp;
  /** where the instance id is: the first path group, or the body's instanceId / instanceName */
  instance?: 'path' | 'body';
  /** creating an instance outside the list is refused with 403 (there is nothing to hide) */
  create?: true;
  /** a POST that only reads (a read-only key may use it) */
  reads?: true;
}

/**
 * The public routes a scoped key may use (first match wins). Anything else is admin-only, so a
 * route added later is closed to scoped keys until it is listed here with its instance check.
 * Routes whose instance is known only after a read (a message, a campaign, a dead letter, the
 * instance list) are listed without `instance` and narrow their answer themselves (canSee).
 */
const SCOPED_ROUTES: ScopedRoute[] = [
  { method: 'POST', path: /^\/instance\/create$/, instance: 'body', create: true },
  { method: 'POST', path: /^\/instance\/delete$/, instance: 'body' },
  // asks WhatsApp which numbers have an account: a lookup, not a write
  { method: 'POST', path: /^\/instance\/([^/]+)\/check-numbers$/, instance: 'path', reads: true },
  { method: '*', path: /^\/instance\/([^/]+)(?:\/.*)?$/, instance: 'path' },
  { method: 'GET', path: /^\/instances$/ },
  { method: 'POST', path: /^\/queue\/add-(?:message|broadcast)$/, instance: 'body' },
  { method: 'GET', path: /^\/messages\/[^/]+$/ },
  { method: 'GET', path: /^\/broadcasts$/ },
  { method: 'GET', path: /^\/broadcast-status\/[^/]+(?:\/stream)?$/ },
  { method: 'POST', path: /^\/broadcast\/[^/]+\/(?:pause|resume|cancel)$/ },
  { method: 'GET', path: /^\/queue-status$/ },
  { method: 'GET', path: /^\/webhooks\/dead$/ },
  { method: 'POST', path: /^\/webhooks\/replay$/ },
];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks a scoped key's request against its scope (the admin key passes): read-only keys make no
 * writes (403), routes outside SCOPED_ROUTES are admin-only (403), and an instance outside the
 * key's list is 404 as if it did not exist. `body` is the parsed JSON body (the add-message fast
 * path calls this itself once it has read it).
 */
export function checkScope(req: Request, body: unknown): void {
  const principal = principalOf(req);
  if (!principal || principal.admin) return;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  const route = SCOPED_ROUTES.find((r) => (r.method === '*' || r.method === method) && r.path.test(path));
  if (!route) throw new AppError('forbidden', `${req.method} ${path} needs the admin API key (API_KEY); key ${principal.name} is scoped`);
  if (!READS.has(req.method) && !route.reads) assertWritable(req);
  const instanceId = route.instance === 'path' ? safeDecode(route.path.exec(path)?.[1] ?? '') : route.instance === 'body' ? bodyInstance(body) : undefined;
  if (!instanceId) return;
  if (route.create && principal.instances !== '*' && !principal.instances.includes(instanceId)) {
    throw new AppError('forbidden', `API key ${principal.name} may not create instance ${instanceId} (not in its instances)`);
  }
  assertVisible(req, instanceId);
}

/** The room middleware: after the body parser and the key check. */
export const scopeGuard: RequestHandler = (req, _res, next) => {
  try {
    checkScope(req, req.body);
    next();
  } catch (err) {
    next(err);
  }
};

function bodyInstance(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { instanceId?: unknown; instanceName?: unknown };
  const id = b.instanceId ?? b.instanceName;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
