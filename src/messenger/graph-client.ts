/**
 * The Graph API client: the only code that talks to graph.facebook.com (GRAPH_API_URL, version
 * GRAPH_API_VERSION). One keep-alive pool per process (MESSENGER_MAX_SOCKETS, 500 by default):
 * seed 003 measured that pooling alone took its sender from 24 to 200+ messages per second, so
 * every idle socket is kept and reused (lifo) and the reuse ratio is reported (/stats/http-client).
 */
import http from 'node:http';
import https from 'node:https';
import { AppError } from '../shared/errors';
import { postJson, retryAfterMs } from '../shared/post-json';
import { graphError, GraphErrorBody } from './graph-errors';

export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  maxSockets: number;
  timeoutMs: number;
  /** the wait after a throttling answer without Retry-After */
  throttleBackoffMs?: number;
}

export interface HttpClientStats {
  maxSockets: number;
  /** sockets open now (busy + idle) and idle ones */
  sockets: number;
  freeSockets: number;
  /** requests waiting for a socket */
  queued: number;
  requests: number;
  /** requests that went on a socket a previous request had used */
  reused: number;
  reuseRatio: number;
  socketsCreated: number;
  errors: number;
  timeouts: number;
}

export class GraphClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly counts = { requests: 0, reused: 0, socketsCreated: 0, errors: 0, timeouts: 0 };
  /** sockets already counted as created (a socket is handed to each request it carries) */
  private readonly seen = new WeakSet<object>();

  constructor(private readonly options: GraphClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/$/, '') + '/' + options.version + '/');
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo', timeout: 60_000 });
  }

  /** POST {version}/{path} with the page token; resolves with the JSON answer or throws a classified AppError. */
  async post(path: string, token: string, payload: unknown): Promise<Record<string, unknown>> {
    const url = new URL(path, this.base);
    // the token travels in the query as the Send API documents it; URLs are never logged
    url.searchParams.set('access_token', token);
    this.counts.requests++;
    const answer = await postJson(url, payload, {
      agent: this.agent,
      timeoutMs: this.options.timeoutMs,
      onTimeout: () => {
        this.counts.timeouts++;
        return new AppError('transient', `Messenger ${path} timed out after ${this.options.timeoutMs} ms`, { kind: 'transient', timeoutMs: this.options.timeoutMs });
      },
      onNetworkError: (err) => this.network(path, err),
      onSocket: (req, socket) => {
        if (req.reusedSocket) this.counts.reused++;
        else if (!this.seen.has(socket)) {
          this.seen.add(socket);
          this.counts.socketsCreated++;
        }
      },
    });
    const body = (answer.body && typeof answer.body === 'object' ? answer.body : {}) as { error?: GraphErrorBody } & Record<string, unknown>;
    if (answer.status >= 200 && answer.status < 300 && !body.error) return body;
    const retryAfter = retryAfterMs(answer.headers);
    throw graphError(answer.status, body.error, retryAfter && retryAfter > 0 ? retryAfter : undefined, this.options.throttleBackoffMs);
  }

  stats(): HttpClientStats {
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).reduce((n, list) => n + (list?.length ?? 0), 0);
    const sockets = count(this.agent.sockets);
    const freeSockets = count(this.agent.freeSockets);
    const { requests, reused } = this.counts;
    return { maxSockets: this.options.maxSockets, sockets: sockets + freeSockets, freeSockets, queued: count(this.agent.requests), ...this.counts, reuseRatio: requests ? Math.round((reused / requests) * 10_000) / 10_000 : 0 };
  }

  close(): void {
    this.agent.destroy();
  }

  private network(path: string, err: Error): AppError {
    this.counts.errors++;
    const code = (err as NodeJS.ErrnoException).code;
    return new AppError('transient', `Messenger ${path} failed: ${err.message}`, { kind: 'transient', ...(code ? { cause: code } : {}) });
  }
}
