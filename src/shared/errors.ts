/**
 * The one error type of the project. Every failure that reaches an HTTP response or a job's
 * retry decision is an AppError: a stable code, the HTTP status it maps to, and whether trying
 * again later can succeed.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_recipient'
  | 'not_in_group'
  | 'not_on_whatsapp'
  | 'instance_not_found'
  | 'instance_not_connected'
  | 'not_owner'
  | 'rate_limited'
  | 'circuit_open'
  | 'restricted'
  | 'budget_held'
  | 'suppressed'
  | 'redis_unavailable'
  | 'transient'
  | 'timeout'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_recipient: 400,
  not_in_group: 403,
  /** a number checked before its send (checkNumber) has no WhatsApp account: final, never sent */
  not_on_whatsapp: 422,
  instance_not_found: 404,
  instance_not_connected: 409,
  /** another shard holds the instance's socket (421 Misdirected Request): ask the owner instead */
  not_owner: 421,
  rate_limited: 429,
  circuit_open: 503,
  /** WhatsApp restricts the number from starting new chats (reachout timelock, new-chat cap): a wait */
  restricted: 429,
  /** the number's send budget holds the message (a cap, warm-up, identical content, health): a wait */
  budget_held: 429,
  /** the recipient opted out (suppression list): final unless the message is sent with force */
  suppressed: 409,
  redis_unavailable: 503,
  transient: 503,
  timeout: 504,
  internal: 500,
};

const RETRYABLE = new Set<ErrorCode>(['instance_not_connected', 'not_owner', 'rate_limited', 'circuit_open', 'restricted', 'budget_held', 'redis_unavailable', 'transient', 'timeout']);

export interface AppErrorOptions {
  retryable?: boolean;
  status?: number;
  /** try again after this long (Retry-After, circuit pause, pacing slot); the queue's backoff waits exactly this */
  retryAfterMs?: number;
  /** a wait by design (pacing, reconnecting, no webhook URL yet), not a failure: logged quietly */
  wait?: boolean;
}

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly wait: boolean;

  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown, options?: AppErrorOptions) {
    super(message);
    this.name = 'AppError';
    this.status = options?.status ?? STATUS[code];
    this.retryable = options?.retryable ?? RETRYABLE.has(code);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = Math.max(0, Math.round(options.retryAfterMs));
    this.wait = options?.wait === true;
  }

  /** The same error with other wait options (errors are immutable once thrown). */
  with(options: Omit<AppErrorOptions, 'status'>): AppError {
    const next = new AppError(this.code, this.message, this.details, {
      status: this.status,
      retryable: options.retryable ?? this.retryable,
      retryAfterMs: 'retryAfterMs' in options ? options.retryAfterMs : this.retryAfterMs,
      wait: options.wait ?? this.wait,
    });
    next.stack = this.stack;
    return next;
  }

  toJSON(): { success: false; error: { code: ErrorCode; message: string; details?: unknown } } {
    return { success: false, error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }

  /** Rebuilds an AppError from the JSON body another process answered with. */
  static fromBody(body: unknown, status: number, retryAfterMs?: number): AppError {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const code = err?.code && err.code in STATUS ? (err.code as ErrorCode) : status >= 500 ? 'transient' : 'bad_request';
    return new AppError(code, err?.message ?? `HTTP ${status}`, err?.details, { status, retryAfterMs });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Any thrown value as an AppError; unknown errors are internal and not retryable. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('internal', message);
}
