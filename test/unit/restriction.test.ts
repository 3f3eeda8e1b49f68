import { applySignal, defaultRestriction, isTimelocked, restrictionHold, restrictionView, sameRestriction } from '../../src/whatsapp/restriction/rules';
import { capSignal, timelockSignal } from '../../src/whatsapp/baileys/restriction-events';
import { restrictionSignals } from '../../src/whatsapp/sandbox/restriction';

const T0 = Date.parse('2025-08-29T12:00:00.000Z');
const HOLD = 30 * 60_000;
const min = (n: number) => n * 60_000;

describe('restriction rules (src/whatsapp/restriction/rules.ts)', () => {
  it('a 463 marks the timelock with no end, assumed for the hold after the last 463', () => {
    const s = applySignal(defaultRestriction(), { kind: 'ack_463' }, T0, HOLD);
    expect(s.reachoutTimelock).toEqual({ active: true, source: 'ack_463', since: new Date(T0).toISOString(), assumedUntil: new Date(T0 + HOLD).toISOString() });
    expect(isTimelocked(s, T0 + HOLD - 1)).toBe(true);
    expect(isTimelocked(s, T0 + HOLD)).toBe(false);
    const again = applySignal(s, { kind: 'ack_463' }, T0 + min(10), HOLD);
    expect(again.reachoutTimelock).toMatchObject({ since: new Date(T0).toISOString(), assumedUntil: new Date(T0 + min(10) + HOLD).toISOString() });
    expect(sameRestriction(s, again)).toBe(false);
    // RESTRICTION_ACK_HOLD_MS=0: a 463 marks nothing
    expect(applySignal(defaultRestriction(), { kind: 'ack_463' }, T0, 0)).toEqual(defaultRestriction());
  });

  it("WhatsApp's word replaces the timelock; a 463 never replaces a running server lock", () => {
    const server = applySignal(defaultRestriction(), { kind: 'timelock', active: true, until: new Date(T0 + min(60)), enforcementType: 'BIZ_QUALITY' }, T0, HOLD);
    expect(server.reachoutTimelock).toMatchObject({ active: true, source: 'server', until: new Date(T0 + min(60)).toISOString(), enforcementType: 'BIZ_QUALITY' });
    expect(applySignal(server, { kind: 'ack_463' }, T0 + min(1), HOLD)).toBe(server);
    const inferred = applySignal(defaultRestriction(), { kind: 'ack_463' }, T0, HOLD);
    const lifted = applySignal(inferred, { kind: 'timelock', active: false }, T0 + min(1), HOLD);
    expect(lifted.reachoutTimelock).toEqual({ active: false, source: 'server' });
    // an inactive lock is the same whatever said so: the first check on connect is no event
    expect(sameRestriction(defaultRestriction(), lifted)).toBe(true);
  });

  it('expires at its end; the cap merges field by field and CAPPED holds new chats until the cycle ends', () => {
    const s = applySignal(defaultRestriction(), { kind: 'timelock', active: true, until: new Date(T0 + 1000) }, T0, HOLD);
    expect(applySignal(s, { kind: 'expired' }, T0 + 999, HOLD)).toBe(s);
    expect(applySignal(s, { kind: 'expired' }, T0 + 1000, HOLD).reachoutTimelock).toEqual({ active: false, source: 'expired' });
    expect(restrictionHold(s, T0)).toEqual({ hold: 'restricted', until: T0 + 1000 });
    expect(restrictionView(s, T0 + 1000).reachoutTimelock).toMatchObject({ active: false, until: null });

    const cap = applySignal(defaultRestriction(), { kind: 'cap', used: 10, total: 50, cycleEnd: new Date(T0 + min(60)) }, T0, HOLD);
    const capped = applySignal(cap, { kind: 'cap', used: 50, status: 'CAPPED' }, T0, HOLD);
    expect(capped.newChatCap).toEqual({ used: 50, total: 50, cycleEnd: new Date(T0 + min(60)).toISOString(), status: 'CAPPED' });
    expect(restrictionHold(cap, T0)).toBeUndefined();
    expect(restrictionHold(capped, T0)).toEqual({ hold: 'new_chat_cap', until: T0 + min(60) });
    expect(restrictionHold(capped, T0 + min(60))).toBeUndefined();
  });
});

describe("Baileys' and the sandbox's signals", () => {
  it('read rc14 shapes: a lifted lock, an active one with its end, the cap with unix-second strings', () => {
    expect(timelockSignal({ isActive: false, enforcementType: 'DEFAULT' as never })).toEqual({ kind: 'timelock', active: false, enforcementType: 'DEFAULT' });
    const ends = new Date(T0 + min(5));
    expect(timelockSignal({ isActive: true, timeEnforcementEnds: ends, enforcementType: 'BIZ_QUALITY' as never })).toEqual({ kind: 'timelock', active: true, until: ends, enforcementType: 'BIZ_QUALITY' });
    expect(capSignal({ total_quota: 50, used_quota: 7, cycle_end_timestamp: String(T0 / 1000), capping_status: 'FIRST_WARNING' as never })).toEqual({
      kind: 'cap', used: 7, total: 50, cycleEnd: new Date(T0), status: 'FIRST_WARNING',
    });
    expect(capSignal({})).toEqual({ kind: 'cap', used: undefined, total: undefined });
  });

  it('the sandbox route gives the same signals; an active lock without until ends 60 s later, as WA Web assumes', () => {
    const [lock] = restrictionSignals({ reachoutTimelock: { active: true } }, T0);
    expect(lock).toEqual({ kind: 'timelock', active: true, until: new Date(T0 + 60_000), enforcementType: 'DEFAULT' });
    expect(restrictionSignals({ reachoutTimelock: { active: false }, newChatCap: { used: 1, total: 2 } }, T0)).toEqual([
      { kind: 'timelock', active: false },
      { kind: 'cap', used: 1, total: 2 },
    ]);
  });
});
