/**
 * What to do when a Baileys socket closes: a pure function of the close (status code, message),
 * what we know about the instance (closing on purpose? linked?) and its recent close history.
 * No timers, no I/O, no randomness of its own (the caller passes `random`), so every branch is
 * unit-tested. Codes are Baileys 7's DisconnectReason (lib/Types/index.js) plus 405 (WhatsApp Web
 * version refused, `<failure reason="405">`), which is not in the enum.
 */
import type { InstanceStatus } from '../types';

export const CODES = {
  loggedOut: 401,
  forbidden: 403,
  versionRefused: 405,
  timedOut: 408, // also connectionLost: keep-alive miss, handshake timeout, DNS/ECONN errors, QR refs ended
  multideviceMismatch: 411,
  connectionClosed: 428,
  connectionReplaced: 440,
  badSession: 500,
  unavailableService: 503,
  restartRequired: 515,
} as const;

/** Baileys closes an unpaired socket with this message (408) once every QR ref was shown. */
export const QR_ENDED_MESSAGE = 'QR refs attempts ended';

export interface ReconnectOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** more closes than this inside loopWindowMs trips the loop guard */
  loopMaxCloses: number;
  loopWindowMs: number;
  /** this many 440s inside loopWindowMs means another client keeps taking the session over */
  replacedMax: number;
}

export const DEFAULT_RECONNECT_OPTIONS: ReconnectOptions = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  loopMaxCloses: 10,
  loopWindowMs: 10 * 60_000,
  replacedMax: 2,
};

/** Per-instance memory of recent closes; the session keeps it across sockets. */
export interface CloseHistory {
  /** timestamps (ms) of closes inside the window */
  closes: number[];
  /** timestamps (ms) of 440 closes inside the window */
  replaced: number[];
  /** reconnect attempts since the last 'open' (drives the backoff) */
  attempt: number;
}

export const emptyHistory = (): CloseHistory => ({ closes: [], replaced: [], attempt: 0 });

/** The socket opened: the backoff starts over (the loop window keeps counting). */
export const historyAfterOpen = (h: CloseHistory): CloseHistory => ({ ...h, attempt: 0 });

export interface CloseInput {
  /** Boom output.statusCode of lastDisconnect.error; undefined when there is none */
  code?: number;
  message?: string;
  /** the close carried an error object at all (sock.end(undefined) carries none) */
  hasError: boolean;
  /** we are shutting the socket down ourselves (end / logout / restart) */
  closing: boolean;
  /** the stored credentials are linked (creds.me.id && creds.account) */
  linked: boolean;
  now: number;
  /** a number in [0, 1) for the jitter */
  random: number;
}

export type CloseReason =
  | 'intentional'
  | 'logged_out'
  | 'restart_required'
  | 'version_refused'
  | 'qr_expired'
  | 'forbidden'
  | 'multidevice_mismatch'
  | 'connection_replaced'
  | 'connection_replaced_loop'
  | 'reconnect_loop'
  | 'connection_error';

export interface CloseDecision {
  action: 'none' | 'reconnect' | 'stop';
  /** status to report; for 'reconnect' it is 'reconnecting' */
  status: InstanceStatus;
  reason: CloseReason;
  delayMs: number;
  deleteAuth: boolean;
  refreshVersion: boolean;
  /** the loop guard tripped: report it loudly (credentials are kept) */
  loop: boolean;
  history: CloseHistory;
}

/** Exponential backoff with jitter (50-100% of the step), capped. attempt 0 -> ~base. */
export function backoffDelay(attempt: number, random: number, opts: ReconnectOptions): number {
  const step = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * random);
}

export function decideOnClose(input: CloseInput, history: CloseHistory, opts: ReconnectOptions = DEFAULT_RECONNECT_OPTIONS): CloseDecision {
  const base = { delayMs: 0, deleteAuth: false, refreshVersion: false, loop: false };
  if (input.closing || !input.hasError) {
    return { ...base, action: 'none', status: 'disconnected', reason: 'intentional', history };
  }
  const since = input.now - opts.loopWindowMs;
  const closes = [...history.closes.filter((t) => t > since), input.now];
  const replaced = history.replaced.filter((t) => t > since);
  if (input.code === CODES.connectionReplaced) replaced.push(input.now);
  const next: CloseHistory = { closes, replaced, attempt: history.attempt };
  const stop = (status: InstanceStatus, reason: CloseReason, extra: Partial<CloseDecision> = {}): CloseDecision => ({
    ...base,
    action: 'stop',
    status,
    reason,
    history: { ...next, attempt: 0 },
    ...extra,
  });

  switch (input.code) {
    case CODES.loggedOut:
      // Unlinked on the phone, or our own logout: the credentials are dead, never reuse them.
      return stop('logged_out', 'logged_out', { deleteAuth: true });
    case CODES.forbidden:
      return stop('failed', 'forbidden');
    case CODES.multideviceMismatch:
      return stop('failed', 'multidevice_mismatch');
    case CODES.timedOut:
      if (input.message === QR_ENDED_MESSAGE && !input.linked) return stop('qr_expired', 'qr_expired');
      break;
  }

  // Everything below reconnects, unless the instance is looping.
  if (replaced.length >= opts.replacedMax) return stop('failed', 'connection_replaced_loop', { loop: true });
  if (closes.length > opts.loopMaxCloses) return stop('failed', 'reconnect_loop', { loop: true });

  const reconnect = (reason: CloseReason, delayMs: number, extra: Partial<CloseDecision> = {}): CloseDecision => ({
    ...base,
    action: 'reconnect',
    status: 'reconnecting',
    reason,
    delayMs,
    history: { ...next, attempt: next.attempt + 1 },
    ...extra,
  });
  const backoff = backoffDelay(history.attempt, input.random, opts);
  if (input.code === CODES.restartRequired) return reconnect('restart_required', 0);
  if (input.code === CODES.versionRefused) return reconnect('version_refused', backoff, { refreshVersion: true });
  if (input.code === CODES.connectionReplaced) {
    // Often our own overlapping socket (deploy overlap): wait at least the base delay once.
    return reconnect('connection_replaced', Math.max(backoff, opts.baseDelayMs));
  }
  return reconnect('connection_error', backoff);
}
