/**
 * Baileys' restriction signals -> our RestrictionSignal (restriction.ts has the rules), as rc14
 * (node_modules/@whiskeysockets/baileys/lib) produces them:
 * - `connection.update { reachoutTimeLock: { isActive, timeEnforcementEnds?: Date, enforcementType } }`
 *   from the mex notification (Socket/messages-recv.js:151-182: lifted -> `{ isActive: false,
 *   enforcementType: 'DEFAULT' }`; no end from the server -> now + 60 s, as WA Web does) and from
 *   `sock.fetchAccountReachoutTimelock()` (Socket/socket.js:906-917, which emits the same event);
 * - `message-capping.update` with NewChatMessageCapInfo (messages-recv.js:183-191,
 *   Types/State.d.ts:87-96), and `sock.fetchNewChatMessageCap()` (socket.js:922-924), which
 *   returns the same object and emits nothing.
 */
import type { NewChatMessageCapInfo, ReachoutTimelockState } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Logger } from '../../shared/logger';
import type { RestrictionSignal } from '../restriction/rules';
import type { RestrictionTracker } from '../restriction/tracker';
import type { WaSocketLike } from './socket-types';

export function timelockSignal(t: ReachoutTimelockState): RestrictionSignal {
  const until = t.timeEnforcementEnds ? new Date(t.timeEnforcementEnds) : undefined;
  return {
    kind: 'timelock',
    active: t.isActive === true,
    ...(until && !Number.isNaN(until.getTime()) ? { until } : {}),
    ...(t.enforcementType ? { enforcementType: String(t.enforcementType) } : {}),
  };
}

/** The cap's timestamps are unix seconds as strings; numbers are kept only when they are numbers. */
export function capSignal(info: NewChatMessageCapInfo): RestrictionSignal {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
  const seconds = num(info.cycle_end_timestamp);
  return {
    kind: 'cap',
    used: num(info.used_quota),
    total: num(info.total_quota),
    ...(seconds ? { cycleEnd: new Date(seconds < 1e12 ? seconds * 1000 : seconds) } : {}),
    ...(info.capping_status ? { status: String(info.capping_status) } : {}),
  };
}

/**
 * On every connect: ask WhatsApp for both states, since a notification sent while we were away is
 * lost and a lock we inferred from a 463 should end when WhatsApp says there is none. The timelock
 * answer arrives through connection.update (socket.js:916); the cap answer is fed here. Best
 * effort: a failed fetch leaves the state as it was.
 */
export function refreshRestriction(sock: WaSocketLike, tracker: RestrictionTracker, log: Logger): void {
  sock.fetchAccountReachoutTimelock?.().catch((err: Error) => log.debug('reachout timelock fetch failed', { error: err.message }));
  sock
    .fetchNewChatMessageCap?.()
    .then((info) => (info ? tracker.signal(capSignal(info)) : undefined))
    .catch((err: Error) => log.debug('new-chat cap fetch failed', { error: err.message }));
}
