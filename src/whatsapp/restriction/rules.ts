/**
 * An instance's restriction state (the reachout timelock and the new-chat cap) and the rules that
 * change it. Pure: the tracker (tracker.ts) applies signals, the store keeps the result
 * in Redis, the budget asks restrictionHold() before a send that would open a new chat.
 *
 * The rules, with the Baileys 7.0.0-rc14 source they follow:
 * - WhatsApp's word replaces the timelock whole: the `NotificationUserReachoutTimelockUpdate`
 *   notification (lib/Socket/messages-recv.js:151-182 handleReachoutTimelockNotification) and the
 *   fetch we make on every connect (lib/Socket/socket.js:906-917 fetchAccountReachoutTimelock) both
 *   arrive as `connection.update { reachoutTimeLock }`. WhatsApp is the authority on the timelock,
 *   so a "not active" from it also ends a lock we had only inferred from a 463.
 * - A late error ack 463 (messages-recv.js:1494 handleBadAck; its comment at :1514-1518) means
 *   "1:1 message missing privacy token, usually the account is restricted", and WhatsApp gives no
 *   end time; rc14 never fetches the timelock on it (the `isReachoutTimelocked` branch at :1550 is
 *   dead: both constants are '463', decode-wa-message.js:39 and :65). So a 463 marks the lock active
 *   with `until` absent and `source: 'ack_463'`, assumed for RESTRICTION_ACK_HOLD_MS after the last
 *   463 (each new 463 extends it), ended earlier by WhatsApp's word (a lift notification, the fetch
 *   on the next connect). A server lock that is still running is never replaced by a 463 guess.
 * - The new-chat cap (messages-recv.js:183-191 -> `message-capping.update`, NewChatMessageCapInfo in
 *   lib/Types/State.d.ts:87-96) is merged field by field: a notification may carry only some.
 */
import type { InstanceRestrictionData, NewChatCapData, ReachoutTimelockData } from '../../events/instance-data';

export type RestrictionState = Omit<InstanceRestrictionData, 'sandbox'>;

export type RestrictionSignal =
  /** WhatsApp's timelock state (notification, fetch, or the sandbox playing WhatsApp) */
  | { kind: 'timelock'; active: boolean; until?: Date; enforcementType?: string }
  /** WhatsApp's new-chat cap, the fields it sent */
  | { kind: 'cap'; used?: number; total?: number; cycleEnd?: Date; status?: string }
  /** a late error ack 463 */
  | { kind: 'ack_463' }
  /** the tracker's timer: the lock's end time passed */
  | { kind: 'expired' };

/** The hold a restriction puts on sends that open a new chat, and when it frees by itself. */
export interface RestrictionHold {
  hold: 'restricted' | 'new_chat_cap';
  until: number;
}

/** without an end time, a hold is looked at again after this long */
const UNKNOWN_END_RECHECK_MS = 60_000;

export function defaultRestriction(): RestrictionState {
  return { reachoutTimelock: { active: false, source: 'none' }, newChatCap: {} };
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (value: string | undefined) => (value ? Date.parse(value) : undefined);

/** When the timelock ends: WhatsApp's end, else the end assumed for a 463; undefined = unknown. */
export function timelockEnd(t: ReachoutTimelockData): number | undefined {
  return ms(t.until) ?? ms(t.assumedUntil);
}

/** Active and not past its end. */
export function isTimelocked(state: RestrictionState | undefined, now: number): boolean {
  const t = state?.reachoutTimelock;
  if (!t?.active) return false;
  const end = timelockEnd(t);
  return end === undefined || end > now;
}

export function applySignal(state: RestrictionState, signal: RestrictionSignal, now: number, ackHoldMs: number): RestrictionState {
  const t = state.reachoutTimelock;
  const since = t.active && t.since ? t.since : iso(now);
  switch (signal.kind) {
    case 'timelock': {
      if (!signal.active) return { ...state, reachoutTimelock: { active: false, source: 'server' } };
      const next: ReachoutTimelockData = { active: true, source: 'server', since };
      if (signal.until) next.until = signal.until.toISOString();
      if (signal.enforcementType) next.enforcementType = signal.enforcementType;
      return { ...state, reachoutTimelock: next };
    }
    case 'ack_463': {
      if (ackHoldMs <= 0) return state;
      if (t.source === 'server' && isTimelocked(state, now)) return state;
      return { ...state, reachoutTimelock: { active: true, source: 'ack_463', since, assumedUntil: iso(now + ackHoldMs) } };
    }
    case 'expired': {
      const end = timelockEnd(t);
      if (!t.active || end === undefined || end > now) return state;
      return { ...state, reachoutTimelock: { active: false, source: 'expired' } };
    }
    case 'cap': {
      const cap: NewChatCapData = { ...state.newChatCap };
      if (signal.used !== undefined) cap.used = signal.used;
      if (signal.total !== undefined) cap.total = signal.total;
      if (signal.cycleEnd) cap.cycleEnd = signal.cycleEnd.toISOString();
      if (signal.status) cap.status = signal.status;
      return { ...state, newChatCap: cap };
    }
  }
}

/** Equal as far as anyone can see: an inactive lock is inactive whatever said so, `since` aside. */
export function sameRestriction(a: RestrictionState, b: RestrictionState): boolean {
  const lock = (t: ReachoutTimelockData) => (t.active ? [t.until, t.enforcementType, t.source, t.assumedUntil] : []);
  const key = (s: RestrictionState) => JSON.stringify([s.reachoutTimelock.active, lock(s.reachoutTimelock), s.newChatCap.used, s.newChatCap.total, s.newChatCap.cycleEnd, s.newChatCap.status]);
  return key(a) === key(b);
}

/**
 * What holds a send that would open a new chat: the timelock while it runs (until its end, or a
 * re-check when WhatsApp gave none), else a new-chat cap WhatsApp reports as CAPPED until its
 * cycle ends. Chats that wrote to us are never held (the caller decides that).
 */
export function restrictionHold(state: RestrictionState | undefined, now: number): RestrictionHold | undefined {
  if (!state) return undefined;
  if (isTimelocked(state, now)) return { hold: 'restricted', until: timelockEnd(state.reachoutTimelock) ?? now + UNKNOWN_END_RECHECK_MS };
  const cap = state.newChatCap;
  const cycleEnd = ms(cap.cycleEnd);
  if (cap.status === 'CAPPED' && cycleEnd !== undefined && cycleEnd > now) return { hold: 'new_chat_cap', until: cycleEnd };
  return undefined;
}

/** What GET /instance/:id/status shows: the lock as it stands now (an expired one is not active). */
export function restrictionView(state: RestrictionState | undefined, now: number) {
  const s = state ?? defaultRestriction();
  const t = s.reachoutTimelock;
  const active = isTimelocked(s, now);
  return {
    reachoutTimelock: {
      active,
      until: active ? (t.until ?? null) : null,
      source: t.source,
      ...(active && t.enforcementType ? { enforcementType: t.enforcementType } : {}),
      ...(active && t.assumedUntil ? { assumedUntil: t.assumedUntil } : {}),
    },
    newChatCap: { used: s.newChatCap.used ?? null, total: s.newChatCap.total ?? null, cycleEnd: s.newChatCap.cycleEnd ?? null, status: s.newChatCap.status ?? null },
  };
}

export type RestrictionView = ReturnType<typeof restrictionView>;
