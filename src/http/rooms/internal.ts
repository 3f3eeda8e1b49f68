import express, { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { SessionManager } from '../../whatsapp/host/session-manager';
import type { NumberChecker } from '../../whatsapp/numbers/number-check';
import { requireInternalToken } from '../auth';
import { requireRedis } from '../health';
import { internalRoutes, internalSendFront, InternalRouteDeps, sendLedger } from '../routes/internal';
import type { HttpRoom } from './room';

export const INTERNAL_PREFIX = '/internal';

/** What the workers' API uses: the sessions that send, and Redis for the send ledger. */
export interface InternalRoomDeps {
  config: Pick<Config, 'BODY_LIMIT' | 'QUEUE_PREFIX' | 'IDEMPOTENCY_TTL_SECONDS' | 'MESSAGE_RETENTION_DAYS'> & { INTERNAL_TOKEN: string };
  logger: Logger;
  redis: Redis;
  sessions: Pick<SessionManager, 'connectedSession'>;
  /** POST /internal/check (checkNumber sends) */
  numbers: Pick<NumberChecker, 'check'>;
  /** sharded servers: the lease fence of the send ledger (routes/internal.ts) */
  fence?: InternalRouteDeps['fence'];
  /** sharded servers: /internal/shard/* and /internal/forward/* (other shards call them) */
  extra?: Router[];
}

/**
 * /internal/*: the API the workers send through (loopback, keep-alive). Only INTERNAL_TOKEN opens
 * it, never the public API key; it needs Redis (the send ledger). Its body limit is its own
 * (BODY_LIMIT today), read before the token as on every room. A path it has no route for falls
 * through to the public room (401 without the API key).
 */
export function internalRoom(deps: InternalRoomDeps): HttpRoom {
  const router = Router();
  const ledger = sendLedger(deps);
  router.use(express.json({ limit: deps.config.BODY_LIMIT }));
  router.use(requireInternalToken(deps.config.INTERNAL_TOKEN));
  router.use(requireRedis(deps.redis));
  router.use(internalRoutes(deps, ledger));
  for (const r of deps.extra ?? []) router.use(r);
  // one send per message passes here: its common case skips Express (measured, issue 17)
  const front = internalSendFront({ ...deps, token: deps.config.INTERNAL_TOKEN, bodyLimit: deps.config.BODY_LIMIT }, ledger);
  return { name: 'internal', prefix: INTERNAL_PREFIX, router, front };
}
