/**
 * Messenger's error codes as this daemon's error classes. Sources: Messenger Platform "Send API
 * error codes" (developers.facebook.com/docs/messenger-platform/reference/send-api/error-codes) and
 * "Common Error Codes" (developers.facebook.com/docs/messenger-platform/error-codes), read 2026-05;
 * Graph API rate limiting (developers.facebook.com/docs/graph-api/overview/rate-limiting) for 4/17/32/613.
 * A Graph error body is { error: { message, type, code, error_subcode, fbtrace_id } }.
 *
 *   auth       190 invalid/expired OAuth token (type OAuthException), 102 session, 463/467 token
 *              subcodes: counts toward the page breaker (5 in a row pause the page); the message is
 *              retried once the token is fixed or the breaker's pause is over
 *   throttle   4 app limit (2018022 too many send requests), 17 user limit, 32 page limit, 613
 *              "calls to this API have exceeded the rate limit", HTTP 429: a wait, backed off
 *   recipient  551 "this person isn't available right now", 100/2018001 "no matching user found",
 *              10/2018278 and 2018065 outside the allowed window, 200/2018028 and 2018027 cannot
 *              message this user, 230 messaging permission missing for this user: fail at once
 *   invalid    100 other invalid parameter (a bad attachment URL, an unknown tag): fail at once
 *   transient  1200 temporary send failure, 2 unexpected error, 1/99 unknown, 5xx, network: retried
 */
import { AppError } from '../shared/errors';

export type GraphErrorKind = 'auth' | 'throttle' | 'recipient' | 'invalid' | 'transient';

export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
}

const AUTH_CODES = new Set([190, 102]);
const THROTTLE_CODES = new Set([4, 17, 32, 613]);
const RECIPIENT_CODES = new Set([551, 230]);
const RECIPIENT_SUBCODES = new Set([2018001, 2018278, 2018065, 2018028, 2018027, 2018108, 1545041]);
const TRANSIENT_CODES = new Set([1, 2, 1200]);

export function graphErrorKind(status: number, e: GraphErrorBody | undefined): GraphErrorKind {
  const code = e?.code;
  const sub = e?.error_subcode;
  if (code !== undefined && AUTH_CODES.has(code)) return 'auth';
  if (status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) return 'throttle';
  if ((code !== undefined && RECIPIENT_CODES.has(code)) || (sub !== undefined && RECIPIENT_SUBCODES.has(sub))) return 'recipient';
  if (code !== undefined && TRANSIENT_CODES.has(code)) return 'transient';
  if (status >= 500 || status === 0) return 'transient';
  return 'invalid';
}

/** How long a throttled page waits before its next try by default (Graph gives no Retry-After for 613). */
export const THROTTLE_BACKOFF_MS = 5000;

/**
 * The AppError a failed Graph call becomes. The message never carries the token (Graph does not
 * echo it; we add only code, subcode, message and trace id).
 */
export function graphError(status: number, e: GraphErrorBody | undefined, retryAfterMs?: number, throttleBackoffMs = THROTTLE_BACKOFF_MS): AppError {
  const kind = graphErrorKind(status, e);
  const graph = { status, code: e?.code ?? null, subcode: e?.error_subcode ?? null, type: e?.type ?? null, fbtraceId: e?.fbtrace_id ?? null };
  const text = `Messenger ${e?.code ?? `HTTP ${status}`}${e?.error_subcode ? `/${e.error_subcode}` : ''}: ${e?.message ?? 'no error body'}`;
  switch (kind) {
    case 'auth':
      // not counted by the generic breaker (its codes are transient ones): the page breaker counts it
      return new AppError('unauthorized', text, { kind, graph }, { retryable: true, status: 502 });
    case 'throttle':
      // a paced wait, like the pacer's: delays the job without counting as a failure
      return new AppError('rate_limited', text, { kind, graph, paced: true, retryAfterMs: retryAfterMs ?? throttleBackoffMs }, { retryAfterMs: retryAfterMs ?? throttleBackoffMs });
    case 'recipient':
      return new AppError('invalid_recipient', text, { kind, graph }, { retryable: false, status: 422 });
    case 'invalid':
      return new AppError('validation_failed', text, { kind, graph }, { retryable: false, status: 422 });
    default:
      return new AppError('transient', text, { kind, graph });
  }
}

export function isAuthFailure(err: unknown): boolean {
  return err instanceof AppError && (err.details as { kind?: string } | undefined)?.kind === 'auth';
}
