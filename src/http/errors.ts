import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, toAppError } from '../shared/errors';
import type { Logger } from '../shared/logger';

/** The one place where errors become HTTP responses: `{ success: false, error: { code, message, details? } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : fromExpressError(err) ?? toAppError(err);
    if (appError.status >= 500) logger.error('request failed', { method: req.method, path: req.path, code: appError.code, error: appError.message });
    if (res.headersSent) return res.end();
    if (appError.code === 'redis_unavailable') res.set('Retry-After', '1');
    res.status(appError.status).json(appError.toJSON());
  };
}

/** body-parser failures arrive as plain errors with a `type`; they are the client's fault. */
function fromExpressError(err: unknown): AppError | undefined {
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('bad_request', 'body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload_too_large', `body is larger than the limit of ${e.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', e.message ?? 'unsupported encoding');
    default:
      return e?.status && e.status >= 400 && e.status < 500 ? new AppError('bad_request', e.message ?? 'bad request', undefined, { status: e.status }) : undefined;
  }
}

/** A body that is not JSON is refused with 415 instead of being silently ignored. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  // the plain header is by far the most common case: skip type-is's full parse for it (hot path)
  const type = req.headers['content-type'];
  if (type === 'application/json' || type === 'application/json; charset=utf-8') return next();
  if (hasBody && !req.is('application/json')) {
    return next(new AppError('unsupported_media_type', 'send the body as application/json'));
  }
  next();
};

export const notFound: RequestHandler = (req, _res, next) => next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
