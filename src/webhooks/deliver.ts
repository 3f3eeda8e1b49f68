import http from 'node:http';
import https from 'node:https';
import axios, { AxiosInstance } from 'axios';
import { AppError } from '../shared/errors';
import type { WaEvent } from '../queues/events';
import { signHeaders } from './signature';

/** What the edge function receives: the event without routing details. */
export interface EventEnvelope {
  id: string;
  type: WaEvent['type'];
  instanceId: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export function envelope(event: WaEvent): EventEnvelope {
  return { id: event.id, type: event.type, instanceId: event.instanceId, timestamp: event.timestamp, data: event.data };
}

/** A failed delivery: AppError (Bull's 'smart' backoff reads retryable and retryAfterMs). */
export type DeliveryError = AppError & { retryAfterMs?: number; httpStatus?: number };

/** Longest Retry-After we honour; a larger one falls back to the normal schedule's cap. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

export interface DeliveryOptions {
  secret: string;
  serviceRoleKey?: string;
  timeoutMs: number;
  maxSockets: number;
}

export interface DeliveryResult {
  status: number;
  ms: number;
}

/** Parses Retry-After (delta seconds or an HTTP-date) into milliseconds from now. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}

/**
 * Network errors, timeouts, 5xx, 429 and 408 are worth another try; any other non-2xx (4xx and
 * 3xx: redirects are not followed, a moved endpoint is a configuration error) is final.
 */
export function classifyStatus(status: number, retryAfter: unknown, bodySnippet: string): DeliveryError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const message = `edge function answered HTTP ${status}${bodySnippet ? `: ${bodySnippet}` : ''}`;
  const retryable = status >= 500 || status === 429 || status === 408;
  const code = status === 429 ? 'rate_limited' : retryable ? 'transient' : 'bad_request';
  const err = new AppError(code, message, { httpStatus: status }, { retryable }) as DeliveryError;
  err.httpStatus = status;
  const after = retryable ? parseRetryAfter(retryAfter) : undefined;
  if (after !== undefined) err.retryAfterMs = after;
  return err;
}

function networkError(err: unknown, timeoutMs: number): DeliveryError {
  const e = err as { code?: string; message?: string };
  const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '');
  return timedOut
    ? new AppError('timeout', `edge function did not answer within ${timeoutMs} ms`)
    : new AppError('transient', `edge function unreachable: ${e.code ?? ''} ${e.message ?? ''}`.trim());
}

/**
 * Posts signed events over pooled keep-alive connections. One instance per process; close()
 * destroys the sockets at shutdown.
 */
export class WebhookDeliverer {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly client: AxiosInstance;

  constructor(private readonly opts: DeliveryOptions) {
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOpts);
    this.httpsAgent = new https.Agent(agentOpts);
    this.client = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      timeout: opts.timeoutMs,
      maxRedirects: 0,
      // we classify every status ourselves and read the body as text (never parsed)
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      transformRequest: [(d: unknown) => d],
      maxContentLength: 1024 * 1024,
      proxy: false,
    });
  }

  /** One attempt. Resolves on 2xx; throws a DeliveryError otherwise. */
  async deliver(url: string, event: WaEvent): Promise<DeliveryResult> {
    const body = JSON.stringify(envelope(event));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'whatsapp-queue-daemon',
      ...signHeaders(this.opts.secret, event.id, body),
    };
    if (this.opts.serviceRoleKey) {
      headers.authorization = `Bearer ${this.opts.serviceRoleKey}`;
      headers.apikey = this.opts.serviceRoleKey;
    }
    const started = Date.now();
    let res;
    try {
      res = await this.client.post<string>(url, body, { headers });
    } catch (err) {
      throw networkError(err, this.opts.timeoutMs);
    }
    const snippet = typeof res.data === 'string' ? res.data.slice(0, 300) : '';
    const failure = classifyStatus(res.status, res.headers['retry-after'], snippet);
    if (failure) throw failure;
    return { status: res.status, ms: Date.now() - started };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
