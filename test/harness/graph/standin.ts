/**
 * A stand-in for the Graph API's Send API and Facebook's webhook side, at the HTTP level, for
 * tests and benchmarks. It answers as Messenger does (shapes from the Messenger Platform's Send API
 * reference and its error-code tables): 200 { recipient_id, message_id } on success, else HTTP 400
 * with { error: { message, type, code, error_subcode, fbtrace_id } }:
 *   - an unknown or expired page token: 190 OAuthException (subcode 463 when expired)
 *   - a PSID marked unreachable: 551 "This person isn't available right now." (subcode 1545041)
 *   - a PSID marked unknown: 100 "No matching user found" (subcode 2018001)
 *   - more sends per second to one page than its limit: 613 "Calls to this api have exceeded the rate limit."
 * with a configurable latency. The webhook side signs Facebook's payloads (X-Hub-Signature-256)
 * and posts them to the daemon: deliveries and reads after each send when `receipts` is on.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { hubSignature } from '../../../src/messenger/signature';

export interface StandinSend {
  pageId: string;
  psid: string;
  body: Record<string, unknown>;
  at: number;
  mid: string;
}

export interface StandinOptions {
  latencyMs?: number;
  /** sends per second per page before 613 (0 = no limit) */
  pageLimitPerSecond?: number;
  /** where Facebook's webhooks go (the daemon's /messenger/webhook) and the app secret that signs them */
  webhookUrl?: string;
  appSecret?: string;
  /** post a delivery, then a read, after each send */
  receipts?: { deliveredAfterMs: number; readAfterMs: number };
}

type GraphError = { status: number; error: { message: string; type: string; code: number; error_subcode?: number } };

export class GraphStandin {
  readonly sends: StandinSend[] = [];
  readonly refused: Array<{ pageId: string; code: number; at: number }> = [];
  /** TCP connections accepted: with a keep-alive client, far fewer than requests */
  connections = 0;
  requests = 0;
  private server?: Server;
  private readonly tokens = new Map<string, { token: string; expired?: boolean }>();
  private readonly unreachable = new Set<string>();
  private readonly unknown = new Set<string>();
  private readonly perSecond = new Map<string, number>();
  /** answer this many next sends of a page with 613 (throttling) */
  private readonly throttleNext = new Map<string, number>();
  port = 0;

  constructor(public options: StandinOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addPage(pageId: string, token: string): void {
    this.tokens.set(pageId, { token });
  }

  expireToken(pageId: string, expired = true): void {
    const t = this.tokens.get(pageId);
    if (t) t.expired = expired;
  }

  markUnreachable(psid: string): void {
    this.unreachable.add(psid);
  }

  markUnknown(psid: string): void {
    this.unknown.add(psid);
  }

  throttle(pageId: string, count: number): void {
    this.throttleNext.set(pageId, count);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /** Posts a Facebook webhook payload, signed (or with `signature` as given), to the daemon. */
  async postWebhook(payload: unknown, signature?: string): Promise<Response> {
    const body = JSON.stringify(payload);
    const sig = signature ?? hubSignature(this.options.appSecret ?? '', body);
    return fetch(this.options.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig }, body });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/v\d+\.\d+\/(\d+|me)\/messages$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return this.reply(res, 404, { error: { message: 'Unknown path components', type: 'OAuthException', code: 2500 } });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.reply(res, 400, { error: { message: '(#100) Invalid JSON', type: 'OAuthException', code: 100 } });
    }
    const pageId = m[1];
    const failure = this.check(pageId, url.searchParams.get('access_token') ?? '', body);
    if (failure) {
      this.refused.push({ pageId, code: failure.error.code, at: Date.now() });
      return this.reply(res, failure.status, { error: { ...failure.error, fbtrace_id: randomBytes(6).toString('base64') } });
    }
    const psid = String((body.recipient as { id?: string })?.id ?? '');
    if (body.sender_action) return this.reply(res, 200, { recipient_id: psid });
    const mid = `m_${randomBytes(12).toString('base64url')}`;
    const send = { pageId, psid, body, at: Date.now(), mid };
    this.sends.push(send);
    this.reply(res, 200, { recipient_id: psid, message_id: mid });
    if (this.options.receipts) this.receipts(send);
  }

  private check(pageId: string, token: string, body: Record<string, unknown>): GraphError | undefined {
    const page = this.tokens.get(pageId);
    if (!page || page.token !== token) return { status: 400, error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 } };
    if (page.expired) return { status: 400, error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463 } };
    const throttled = this.throttleNext.get(pageId) ?? 0;
    if (throttled > 0) {
      this.throttleNext.set(pageId, throttled - 1);
      return { status: 400, error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 } };
    }
    const limit = this.options.pageLimitPerSecond ?? 0;
    if (limit > 0) {
      const key = `${pageId}:${Math.floor(Date.now() / 1000)}`;
      const n = (this.perSecond.get(key) ?? 0) + 1;
      this.perSecond.set(key, n);
      if (n > limit) return { status: 400, error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 } };
    }
    const psid = String((body.recipient as { id?: string })?.id ?? '');
    if (this.unreachable.has(psid)) return { status: 400, error: { message: "(#551) This person isn't available right now.", type: 'OAuthException', code: 551, error_subcode: 1545041 } };
    if (this.unknown.has(psid)) return { status: 400, error: { message: '(#100) No matching user found', type: 'OAuthException', code: 100, error_subcode: 2018001 } };
    return undefined;
  }

  private receipts(send: StandinSend): void {
    const r = this.options.receipts!;
    const entry = (messaging: unknown) => ({ object: 'page', entry: [{ id: send.pageId, time: Date.now(), messaging: [messaging] }] });
    setTimeout(() => void this.postWebhook(entry({ sender: { id: send.psid }, recipient: { id: send.pageId }, timestamp: Date.now(), delivery: { mids: [send.mid], watermark: send.at } })).catch(() => undefined), r.deliveredAfterMs);
    setTimeout(() => void this.postWebhook(entry({ sender: { id: send.psid }, recipient: { id: send.pageId }, timestamp: Date.now(), read: { watermark: Date.now() } })).catch(() => undefined), r.readAfterMs);
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }
}
