import { AppError, toAppError } from '../shared/errors';
import type { InstanceStatus } from '../whatsapp/types';

/**
 * What a failed send means for a campaign:
 * - recipient: this contact cannot get the message (bad number, not on WhatsApp, bad media): mark it failed, go on
 * - retry: transient (timeout, network, 5xx): try the same recipient again, a few times
 * - hold: the instance cannot send right now (circuit open, reconnecting): wait, then same recipient
 * - stop: continuing is pointless or dangerous (instance gone or logged out, WhatsApp restricts the
 *   number: 403 / rate-overlimit): stop the campaign and report it
 */
export type SendVerdict = 'recipient' | 'retry' | 'hold' | 'stop';

const RECIPIENT_CODES = new Set(['suppressed', 'invalid_recipient', 'not_in_group', 'not_on_whatsapp', 'validation_failed', 'bad_request', 'unsupported_media_type', 'payload_too_large', 'not_found']);
/** instance states in which a campaign cannot continue without the operator */
const DEAD_INSTANCE: ReadonlySet<InstanceStatus> = new Set(['logged_out', 'failed', 'qr_expired']);

export function classifySendError(err: unknown): { verdict: SendVerdict; error: AppError } {
  const error = toAppError(err);
  const paced = (error.details as { paced?: boolean } | undefined)?.paced === true;
  switch (error.code) {
    case 'unauthorized':
      // a Messenger page whose token failed: its page breaker pauses it (5 in a row), the campaign waits with it
      if ((error.details as { kind?: string } | undefined)?.kind === 'auth') return { verdict: 'hold', error };
      return { verdict: 'stop', error };
    case 'instance_not_found':
    case 'forbidden':
      return { verdict: 'stop', error };
    case 'rate_limited':
      // our own pacer deferring is a wait; WhatsApp rate-limiting the number is a restriction
      return { verdict: paced ? 'hold' : 'stop', error };
    case 'circuit_open':
    case 'instance_not_connected':
    // the budget's reservation found a rule holding (another process took the last place): the gate shows it
    case 'budget_held':
    case 'restricted':
      return { verdict: 'hold', error };
    default:
      return { verdict: RECIPIENT_CODES.has(error.code) ? 'recipient' : 'retry', error };
  }
}

/** An instance that is not connected: wait while it (re)connects, stop when it needs the operator. */
export function instanceVerdict(status: InstanceStatus | undefined): 'hold' | 'stop' {
  return !status || DEAD_INSTANCE.has(status) ? 'stop' : 'hold';
}

export function stopError(status: InstanceStatus | undefined, instanceId: string): AppError {
  if (!status) return new AppError('instance_not_found', `instance ${instanceId} no longer exists`);
  if (status === 'logged_out') return new AppError('instance_not_connected', `instance ${instanceId} was logged out; pair it again, then resume the campaign`);
  return new AppError('instance_not_connected', `instance ${instanceId} is ${status}; fix it, then resume the campaign`);
}
