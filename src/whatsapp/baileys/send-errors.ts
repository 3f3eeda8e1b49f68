/**
 * Any error out of a Baileys call -> an AppError whose code tells the worker whether to retry.
 * Baileys throws Boom errors: `output.statusCode` (DisconnectReason codes, HTTP statuses of media
 * fetches/uploads) and, for a stanza answered with <error code text>, `data` = the numeric code
 * and message = the text (assertNodeErrorFree in lib/WABinary/generic-utils.js), e.g. 429
 * "rate-overlimit". Unknown errors are transient: a worker retries a bounded number of times,
 * and the message id stays the same so a retry never sends twice.
 */
import { AppError, isAppError } from '../../shared/errors';

/** WhatsApp asked us to slow down: wait this long before the next try. */
export const RATE_LIMIT_RETRY_MS = 60_000;

interface BoomLike {
  isBoom?: boolean;
  output?: { statusCode?: number };
  data?: unknown;
  message?: string;
}

export function errorCode(err: unknown): number | undefined {
  const b = err as BoomLike | undefined;
  const status = b?.output?.statusCode;
  if (typeof b?.data === 'number') return b.data;
  return typeof status === 'number' ? status : undefined;
}

/** What was being sent to: a group's 403 is about that group, not the account. */
export interface SendTarget {
  group?: boolean;
}

export function classifySendError(err: unknown, instanceId: string, target: SendTarget = {}): AppError {
  if (isAppError(err)) return err;
  const message = (err as Error | undefined)?.message ?? String(err);
  const code = errorCode(err);
  const lower = message.toLowerCase();

  if (code === 429 || lower.includes('rate-overlimit') || lower.includes('rate overlimit')) {
    return new AppError('rate_limited', `WhatsApp rate limit on instance ${instanceId}: ${message}`, { retryAfterMs: RATE_LIMIT_RETRY_MS, waCode: code }, { retryAfterMs: RATE_LIMIT_RETRY_MS });
  }
  // A send to a group starts with its metadata query (lib/Socket/messages-send.js relayMessage ->
  // groupMetadata); for a group this number is not in (left, removed) the server answers
  // <error code="403" text="forbidden"/>, a Boom 'forbidden' with data 403 (lib/Socket/groups.js
  // groupQuery, lib/WABinary/generic-utils.js assertNodeErrorFree). Only that recipient fails.
  if (target.group && (code === 403 || lower.includes('forbidden'))) {
    return new AppError('not_in_group', `instance ${instanceId} is not a participant of this group: ${message}`, { waCode: code });
  }
  // 403: WhatsApp refuses this number (blocked, banned, restricted): no retry; campaigns stop.
  if (code === 403 || lower.includes('forbidden')) {
    return new AppError('forbidden', `WhatsApp refused instance ${instanceId}: ${message}`, { waCode: code });
  }
  // Socket gone between our status check and the send (Connection Closed 428, lost 408 ...).
  if (code === 428 || lower.includes('connection closed') || lower.includes('connection terminated')) {
    return new AppError('instance_not_connected', `instance ${instanceId} lost its connection: ${message}`, { waCode: code });
  }
  if (lower.includes('jid decoded but user is empty') || lower.includes('invalid jid') || code === 404 || lower.includes('item-not-found')) {
    return new AppError('invalid_recipient', `WhatsApp refused the recipient: ${message}`, { waCode: code });
  }
  if (code === 401 || lower.includes('not authenticated')) {
    return new AppError('instance_not_connected', `instance ${instanceId} is not logged in: ${message}`, { waCode: code });
  }
  if (code === 400 || code === 406) {
    return new AppError('bad_request', `WhatsApp refused the message: ${message}`, { waCode: code });
  }
  // 408 timeouts, 5xx (including "All encryptions failed", media upload failures), network errors.
  return new AppError('transient', `send failed on instance ${instanceId}: ${message}`, code === undefined ? undefined : { waCode: code });
}
