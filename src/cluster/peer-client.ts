import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../shared/errors';

export interface PeerRequest {
  method: string;
  /** path and query on the peer, e.g. /internal/forward/instance/x/qr?format=png */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
}

/**
 * Requests from this shard to another one's internal API (forwarded public requests, adopt
 * notices), on keep-alive sockets per peer, authenticated with INTERNAL_TOKEN. A peer that cannot
 * be reached is AppError transient with details.unreachable (the caller may re-resolve the owner).
 */
export class PeerClient {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly token: string, private readonly maxSockets = 64) {}

  /** the raw response (streamed: media, QR PNGs); the caller reads or pipes it */
  request(baseUrl: string, req: PeerRequest): Promise<IncomingMessage> {
    const base = new URL(baseUrl);
    const lib = base.protocol === 'https:' ? https : http;
    const basePath = base.pathname.replace(/\/$/, '');
    return new Promise((resolve, reject) => {
      const r = lib.request(
        {
          protocol: base.protocol,
          hostname: base.hostname.replace(/^\[|\]$/g, ''),
          port: base.port,
          path: basePath + req.path,
          method: req.method,
          agent: this.agent(base),
          headers: { ...req.headers, authorization: `Bearer ${this.token}`, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
          timeout: req.timeoutMs,
        },
        resolve,
      );
      r.on('timeout', () => r.destroy(new AppError('timeout', `peer ${base.host} did not answer within ${req.timeoutMs} ms`)));
      r.on('error', (err) => reject(err instanceof AppError ? err : unreachable(base.host, err)));
      r.end(req.body);
    });
  }

  /** a JSON POST; the answer's JSON, or its error rebuilt as an AppError */
  async postJson(baseUrl: string, path: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const res = await this.request(baseUrl, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)), timeoutMs });
    const text = await readBody(res);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return body;
    throw AppError.fromBody(body, status);
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private agent(base: URL): http.Agent {
    let agent = this.agents.get(base.origin);
    if (!agent) {
      const Agent = base.protocol === 'https:' ? https.Agent : http.Agent;
      agent = new Agent({ keepAlive: true, maxSockets: this.maxSockets, timeout: 60_000 });
      this.agents.set(base.origin, agent);
    }
    return agent;
  }
}

export function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function unreachable(host: string, err: Error): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  return new AppError('transient', `shard at ${host} is unreachable: ${err.message}`, { unreachable: true, ...(code ? { cause: code } : {}) }, { retryAfterMs: 1000 });
}

export function isUnreachable(err: unknown): boolean {
  return err instanceof AppError && (err.details as { unreachable?: boolean } | undefined)?.unreachable === true;
}
