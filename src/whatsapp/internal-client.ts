import http from 'node:http';
import https from 'node:https';
import { AppError } from '../shared/errors';
import { postJson, retryAfterMs } from '../shared/post-json';
import type { ChannelSender, ChannelSendRequest, ChannelSendResult, RecipientCheck } from '../channels/sender';

export interface InternalClientOptions {
  /** whatsapp-server base URL (config internalApiUrl()) */
  baseUrl: string;
  token: string;
  sendTimeoutMs: number;
  /** presence is best effort and short */
  presenceTimeoutMs?: number;
  /** keep-alive sockets to whatsapp-server (at least the worker's concurrency) */
  maxSockets?: number;
}

/**
 * The workers' client for whatsapp-server's internal API: keep-alive sockets on loopback (no TCP
 * handshake per send), a deadline per request, and every failure as an AppError: the server's JSON
 * error rebuilt with AppError.fromBody, and network errors or timeouts as retryable `transient`
 * (a send that timed out may have gone out; retrying with the same messageId is safe because the
 * internal send is idempotent on it).
 */
export class InternalClient implements ChannelSender {
  readonly channel = 'whatsapp' as const;

  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly auth: string;
  private readonly basePath: string;

  constructor(private readonly options: InternalClientOptions) {
    this.base = new URL(options.baseUrl);
    this.basePath = this.base.pathname.replace(/\/$/, '');
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    const maxSockets = options.maxSockets ?? 256;
    // every idle socket is kept: a worker at full concurrency would otherwise reconnect after each burst
    this.agent = new AgentClass({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo', timeout: 60_000 });
    this.auth = `Bearer ${options.token}`;
  }

  async send(request: ChannelSendRequest): Promise<ChannelSendResult> {
    const body = await this.post('/internal/send', request, this.options.sendTimeoutMs);
    const b = body as Partial<ChannelSendResult>;
    if (typeof b.waMessageId !== 'string') throw new AppError('transient', 'internal send answered without a waMessageId', { body });
    return { waMessageId: b.waMessageId, jid: String(b.jid ?? ''), timestamp: Number(b.timestamp ?? Date.now()), duplicate: b.duplicate === true };
  }

  async presence(instanceId: string, to: string, state: 'composing' | 'paused'): Promise<void> {
    await this.post('/internal/presence', { instanceId, to, state }, this.options.presenceTimeoutMs ?? 5000);
  }

  /**
   * checkNumber: asks whatsapp-server (POST /internal/check; its cache first, then WhatsApp) whether
   * a phone recipient is on WhatsApp and in which form. LIDs and groups are WhatsApp ids already:
   * they go as given, without a lookup.
   */
  async checkRecipient(instanceId: string, to: string): Promise<RecipientCheck> {
    if (!/^\d+$/.test(to)) return { exists: true, to };
    const body = (await this.post('/internal/check', { instanceId, phones: [to] }, this.options.sendTimeoutMs)) as { results?: Array<{ exists?: unknown; phone?: unknown }> } | undefined;
    const r = body?.results?.[0];
    if (typeof r?.exists !== 'boolean') throw new AppError('transient', 'internal check answered without a result', { body });
    return { exists: r.exists, to: r.exists && typeof r.phone === 'string' ? r.phone : to };
  }

  /** Closes the pooled sockets (process shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private async post(path: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const answer = await postJson(new URL(this.basePath + path, this.base), payload, {
      agent: this.agent,
      headers: { authorization: this.auth },
      timeoutMs,
      onTimeout: () => new AppError('transient', `internal ${path} timed out after ${timeoutMs} ms`, { timeoutMs }),
      onNetworkError: (err) => networkError(path, err),
    });
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw AppError.fromBody(answer.body, answer.status, retryAfterMs(answer.headers));
  }
}

function networkError(path: string, err: Error): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  return new AppError('transient', `internal ${path} failed: ${err.message}`, code ? { cause: code } : undefined);
}
