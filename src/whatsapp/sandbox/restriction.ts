/**
 * What the sandbox can be told about restrictions (POST /instance/:id/sandbox/restriction): the
 * input schema and the signals it becomes. They are the signals the Baileys driver makes of
 * WhatsApp's own notifications (baileys/restriction-events.ts), so the sandbox emits the same
 * 'instance.restriction' and the same holds follow. As rc14 does for a timelock notification
 * without an end (lib/Socket/messages-recv.js:168-171), an active lock without `until` ends 60 s later.
 */
import { z } from 'zod';
import type { RestrictionSignal } from '../restriction/rules';

const WA_WEB_DEFAULT_LOCK_MS = 60_000;

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO 8601 time');

export const simulatedRestrictionSchema = z
  .object({
    reachoutTimelock: z.object({ active: z.boolean(), until: isoTime.optional(), enforcementType: z.string().min(1).max(64).optional() }).optional(),
    newChatCap: z
      .object({
        used: z.number().int().min(0),
        total: z.number().int().min(0),
        cycleEnd: isoTime.optional(),
        status: z.enum(['NONE', 'FIRST_WARNING', 'SECOND_WARNING', 'CAPPED']).optional(),
      })
      .optional(),
  })
  .refine((v) => v.reachoutTimelock || v.newChatCap, 'give reachoutTimelock, newChatCap or both');

export type SimulatedRestriction = z.infer<typeof simulatedRestrictionSchema>;

export function restrictionSignals(input: SimulatedRestriction, now = Date.now()): RestrictionSignal[] {
  const out: RestrictionSignal[] = [];
  const t = input.reachoutTimelock;
  if (t) {
    out.push(
      t.active
        ? { kind: 'timelock', active: true, until: new Date(t.until ? Date.parse(t.until) : now + WA_WEB_DEFAULT_LOCK_MS), enforcementType: t.enforcementType ?? 'DEFAULT' }
        : { kind: 'timelock', active: false },
    );
  }
  const c = input.newChatCap;
  if (c) {
    out.push({ kind: 'cap', used: c.used, total: c.total, ...(c.status ? { status: c.status } : {}), ...(c.cycleEnd ? { cycleEnd: new Date(c.cycleEnd) } : {}) });
  }
  return out;
}
