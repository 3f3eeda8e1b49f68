import { createServer, IncomingMessage, Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
  at: number;
}

/**
 * A local HTTP server standing in for the CRM's edge functions. Records every request;
 * `respond` decides each answer (status, headers), by default 200.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  respond: (req: ReceivedRequest, index: number) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 });
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const rec: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
        this.requests.push(rec);
        const answer = this.respond(rec, this.requests.length - 1);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? JSON.stringify({ ok: answer.status < 300 }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(path));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
