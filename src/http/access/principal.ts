import type { Request } from 'express';
import { AppError } from '../../shared/errors';

/**
 * Who is calling, as the room's authentication found out: the admin API_KEY, or a scoped key
 * (named, limited to some instances or `*`, maybe read-only). Routes only narrow what a caller
 * sees with it; the room's auth decides who enters at all.
 */
export interface Principal {
  /** 'admin' for API_KEY, else the scoped key's name */
  name: string;
  admin: boolean;
  /** the instances this caller may see: every one ('*') or a list */
  instances: '*' | readonly string[];
  readOnly: boolean;
  /** requests per minute of this key (0 = no limit) */
  ratePerMin: number;
}

export function adminPrincipal(ratePerMin: number): Principal {
  return { name: 'admin', admin: true, instances: '*', readOnly: false, ratePerMin };
}

// A symbol on the request (not a global declaration merge): only this module reads or writes it.
const PRINCIPAL = Symbol('principal');
type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function setPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

/** The caller of a request, undefined when no key check ran (a router mounted without a room). */
export function principalOf(req: Request): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}

/** Whether the caller may see this instance (no principal: nothing to narrow). */
export function canSee(req: Request, instanceId: string): boolean {
  const p = principalOf(req);
  return !p || p.instances === '*' || p.instances.includes(instanceId);
}

/**
 * 404 as for an instance that does not exist: a scoped key learns nothing about instances
 * outside its list (not even that they exist).
 */
export function assertVisible(req: Request, instanceId: string): void {
  if (!canSee(req, instanceId)) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
}

export function assertWritable(req: Request): void {
  const p = principalOf(req);
  if (p?.readOnly) throw new AppError('forbidden', `API key ${p.name} is read-only`);
}

export function assertAdmin(req: Request): void {
  const p = principalOf(req);
  if (p && !p.admin) throw new AppError('forbidden', `this route needs the admin API key (API_KEY); key ${p.name} is scoped`);
}
