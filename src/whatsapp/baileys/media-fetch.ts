/**
 * Media to send is fetched here, not by Baileys: Baileys reads any `url` that is not http(s) as a
 * local file path (lib/Utils/messages-media.js getStream), and its own fetch has no deadline and
 * no size cap. Here only http(s) URLs pass, the whole download has a deadline, and the body is cut
 * off above the cap; Baileys gets a stream ({ stream }) it encrypts while it arrives.
 */
import { Readable } from 'node:stream';
import { ByteCap } from '../../shared/byte-cap';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../shared/errors';

export interface MediaFetchOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** The URL, normalised, when it is http(s); AppError bad_request otherwise. */
export function httpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('bad_request', `media url is not a valid URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('bad_request', `media url must be http(s), got ${url.protocol}`);
  }
  return url;
}

/** Starts the download; resolves when the answer's headers arrived (status checked). */
export async function fetchMedia(raw: string, opts: MediaFetchOptions): Promise<{ stream: Readable; mimetype?: string; size?: number }> {
  const url = httpUrl(raw);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new AppError('transient', `media download exceeded ${opts.timeoutMs} ms: ${url.host}`)), opts.timeoutMs);
  timer.unref();
  let response: Response;
  try {
    response = await fetch(url, { signal: abort.signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    const reason = abort.signal.aborted ? abort.signal.reason : err;
    if (reason instanceof AppError) throw reason;
    throw new AppError('transient', `media download failed (${url.host}): ${(reason as Error)?.message ?? String(reason)}`);
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer);
    void response.body?.cancel().catch(() => undefined);
    // 4xx: the URL is wrong or gone, trying again will not help; 5xx may pass later.
    const code = response.status >= 500 || response.status === 429 || response.status === 408 ? 'transient' : 'bad_request';
    throw new AppError(code, `media url answered HTTP ${response.status} (${url.host})`, { mediaStatus: response.status });
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    clearTimeout(timer);
    void response.body.cancel().catch(() => undefined);
    throw new AppError('payload_too_large', `media is ${declared} bytes, above the limit of ${opts.maxBytes}`, { size: declared, limit: opts.maxBytes });
  }
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  const capped = body.pipe(new ByteCap(opts.maxBytes));
  body.on('error', (err) => capped.destroy(abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : err));
  capped.on('close', () => {
    clearTimeout(timer);
    body.destroy(); // the consumer gave up (or finished): release the HTTP connection now
  });
  return {
    stream: capped,
    mimetype: response.headers.get('content-type')?.split(';')[0]?.trim() || undefined,
    size: Number.isFinite(declared) ? declared : undefined,
  };
}
