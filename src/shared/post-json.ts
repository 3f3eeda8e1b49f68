import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface JsonAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the parsed body; undefined when empty or not JSON */
  body: unknown;
}

export interface PostJsonOptions {
  agent: http.Agent;
  headers?: http.OutgoingHttpHeaders;
  /** our own deadline over connect + response: the request is destroyed when it passes */
  timeoutMs: number;
  /** what a passed deadline throws */
  onTimeout: () => Error;
  /** what a network failure (refused, reset, aborted response) throws */
  onNetworkError: (err: Error) => Error;
  /** sees the socket of each request (keep-alive reuse counts) */
  onSocket?: (req: http.ClientRequest, socket: Socket) => void;
}

/**
 * One JSON POST on a keep-alive agent, settled exactly once: the answer (any status, the caller
 * classifies it), or the error the caller built for a timeout or a network failure. Shared by the
 * workers' clients of whatsapp-server's internal API and of the Graph API, both on the send path.
 */
export function postJson(url: URL, payload: unknown, options: PostJsonOptions): Promise<JsonAnswer> {
  const data = Buffer.from(JSON.stringify(payload));
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const headers = { 'content-type': 'application/json', 'content-length': data.length, ...options.headers };
    const req = lib.request(url, { method: 'POST', agent: options.agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => done(() => reject(options.onNetworkError(err))));
      res.on('end', () =>
        done(() => {
          let body: unknown;
          try {
            body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        }),
      );
    });
    if (options.onSocket) req.on('socket', (socket) => options.onSocket?.(req, socket));
    const timer = setTimeout(() => {
      done(() => reject(options.onTimeout()));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err) => done(() => reject(options.onNetworkError(err))));
    req.end(data);
  });
}

/** Retry-After in seconds as ms, when the header is a number of at least minSeconds. */
export function retryAfterMs(headers: http.IncomingHttpHeaders, minSeconds = 0): number | undefined {
  const s = Number(headers['retry-after']);
  return Number.isFinite(s) && s >= minSeconds ? s * 1000 : undefined;
}
