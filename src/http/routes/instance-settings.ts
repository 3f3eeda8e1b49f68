import { z } from 'zod';
import type { InstanceSettings } from '../../whatsapp/types';

const count = z.number().int().min(0).max(1_000_000);
const ms = z.number().int().min(0).max(3_600_000);
/** a past date or date-time, as the CRM knows when the number started (ISO 8601) */
const pastDate = z.string().max(64).refine((v) => !Number.isNaN(Date.parse(v)) && Date.parse(v) <= Date.now() + 86_400_000, 'an ISO 8601 date, not in the future');

/**
 * The per-instance overrides POST /instance/create takes (`settings`), each replacing its global
 * default (docs/api.md "The send budget"; 0 = none for a cap). Unknown keys are refused, so a typo
 * never silently leaves a number on the defaults.
 */
export const instanceSettingsSchema = z
  .object({
    minGapMs: ms.optional(),
    jitterMs: ms.optional(),
    perMinute: count.optional(),
    perHour: count.optional(),
    dailyCap: count.optional(),
    newChatsPerDay: count.optional(),
    identicalPerHour: count.optional(),
    warmup: z.boolean().optional(),
    numberSince: pastDate.optional(),
    typing: z.boolean().optional(),
  })
  .strict();

/** settings with a top-level numberSince folded in (the create body accepts it at both places). */
export function createSettings(settings: InstanceSettings | undefined, numberSince: string | undefined): InstanceSettings | undefined {
  if (!settings && !numberSince) return undefined;
  return { ...settings, ...(numberSince ? { numberSince: new Date(Date.parse(numberSince)).toISOString() } : {}) };
}
