import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { ShardControl } from '../../cluster/control';
import { isUnreachable, PeerClient, readBody } from '../../cluster/peer-client';
import type { InstanceOwner } from '../../whatsapp/host/ownership';

/** where an owner answers forwarded public requests (internal room, INTERNAL_TOKEN) */
export const FORWARD_PREFIX = '/internal/forward';

/** instance routes that need the live session: they are answered by the shard that holds it */
const SESSION_PATH = /^\/instance\/([A-Za-z0-9_-]{1,64})\/(?:status|qr|restart|check-numbers|move|media\/[^/]+|sandbox\/incoming|sandbox\/restriction|groups(?:\/[^/]+)?|contacts\/[^/]+|read|presence)$/;
const PASSED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'cache-control', 'retry-after'];

export interface ForwardDeps {
  control: ShardControl;
  peers: PeerClient;
  logger: Logger;
  /** a forwarded create waits for its pairing code, a media download streams: generous */
  timeoutMs: number;
}

/**
 * The front door of a sharded server (public room, after auth and the scope guard): a request that
 * needs an instance's socket goes to the shard that holds it, a create to the least-loaded shard,
 * over that shard's internal API; the answer (JSON, a QR PNG, a media stream) comes back as it
 * is, with x-wa-shard naming who answered. Everything else, and an instance nobody holds, is
 * answered here (its state is in Redis). An owner that moved meanwhile (421) is looked up once more.
 */
export function forwardToOwner(deps: ForwardDeps): RequestHandler {
  const me = deps.control.shardId;
  return async (req, res, next) => {
    let target = await targetOf(deps.control, req);
    for (let tries = 0; target && target.shardId !== me && tries < 2; tries++) {
      let upstream: IncomingMessage;
      try {
        upstream = await send(deps, req, target);
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        // a status can be answered from Redis while the owner fails over; the rest must wait for it
        if (req.method === 'GET' && req.path.endsWith('/status')) return next();
        throw new AppError('transient', `shard ${target.shardId}, which holds this instance, cannot be reached (failing over?); retry shortly`, { shardId: target.shardId }, { retryAfterMs: 2000 });
      }
      if (upstream.statusCode === 421) {
        await readBody(upstream).catch(() => '');
        target = await targetOf(deps.control, req);
        continue;
      }
      return relay(upstream, res, target.shardId, deps.logger);
    }
    next();
  };
}

async function targetOf(control: ShardControl, req: Request): Promise<InstanceOwner | undefined> {
  if (req.method === 'POST' && req.path === '/instance/create') {
    // a Messenger page has no socket; an id that exists is refused (409) by whoever answers
    if ((req.body as { channel?: unknown } | undefined)?.channel === 'messenger') return undefined;
    return control.placeNew();
  }
  if (req.method === 'POST' && req.path === '/instance/delete') {
    const b = (req.body ?? {}) as { instanceId?: unknown; instanceName?: unknown };
    const id = b.instanceId ?? b.instanceName;
    return typeof id === 'string' && id ? control.ownerOf(id) : undefined;
  }
  const m = SESSION_PATH.exec(req.path);
  return m ? control.ownerOf(m[1]) : undefined;
}

function send(deps: ForwardDeps, req: Request, target: InstanceOwner): Promise<IncomingMessage> {
  const url = new URL(req.originalUrl, 'http://front-door');
  url.searchParams.delete('apikey'); // the owner trusts INTERNAL_TOKEN; the caller's key stays here
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return deps.peers.request(target.internalUrl, {
    method: req.method,
    path: `${FORWARD_PREFIX}${url.pathname}${url.search}`,
    headers: { 'content-type': 'application/json', 'x-wa-forwarded-from': deps.control.shardId, ...(req.headers.accept ? { accept: String(req.headers.accept) } : {}) },
    body: hasBody ? Buffer.from(JSON.stringify(req.body ?? {})) : undefined,
    timeoutMs: deps.timeoutMs,
  });
}

async function relay(upstream: IncomingMessage, res: Response, shardId: string, logger: Logger): Promise<void> {
  res.status(upstream.statusCode ?? 502);
  for (const h of PASSED_HEADERS) {
    const v = upstream.headers[h];
    if (v !== undefined) res.set(h, String(v));
  }
  res.set('x-wa-shard', shardId);
  await pipeline(upstream, res).catch((err: Error) => {
    logger.warn('forwarded answer ended early', { shardId, error: err.message });
    res.destroy();
  });
}
