import type { IncomingMessage } from 'node:http';
import { AppError } from '../shared/errors';

/** '1mb' / '512kb' / '100b' (BODY_LIMIT's format) in bytes. */
export function limitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit.trim());
  if (!m) throw new Error(`not a size: ${limit}`);
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2].toLowerCase() as 'b' | 'kb' | 'mb'];
}

/** True for the content type every client sends (the hot path reads these bodies itself). */
export function isPlainJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  const encoding = req.headers['content-encoding'];
  return (type === 'application/json' || type === 'application/json; charset=utf-8' || type === 'application/json;charset=utf-8') && (!encoding || encoding === 'identity');
}

/**
 * Reads a UTF-8 JSON body with a size limit: the same answers as express.json() (413 over the
 * limit, 400 for malformed JSON, undefined for an empty body) without its per-request type and
 * charset negotiation. Only for plain JSON (isPlainJson); anything else goes through express.json().
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new AppError('payload_too_large', `body is larger than the limit of ${limit} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume(); // drain, so the client reads the answer instead of a reset
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        return reject(tooLarge());
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch {
        reject(new AppError('bad_request', 'body is not valid JSON'));
      }
    });
    req.on('error', (err) => {
      if (!failed) reject(new AppError('bad_request', `request aborted: ${err.message}`));
      failed = true;
    });
  });
}
