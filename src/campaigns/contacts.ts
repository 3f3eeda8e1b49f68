import { canonicalRecipient } from '../whatsapp/address';
import type { TemplateVars } from './template';

/**
 * The contacts of add-broadcast: phone strings (seed 001) or `{ phone, name?, variables? }`.
 * Numbers are normalised and de-duplicated (the first occurrence wins); a bad entry is reported
 * and left out instead of failing the whole campaign. Hand-written rather than a zod union per
 * element: 100,000 contacts must parse in milliseconds.
 */
export interface ContactEntry {
  /** canonical recipient: phone digits or a group id */
  to: string;
  vars?: TemplateVars;
}

export type InvalidReason = 'invalid_phone' | 'not_a_contact' | 'invalid_variables';

export interface InvalidContact {
  index: number;
  input: string;
  reason: InvalidReason;
}

export interface ParsedContacts {
  recipients: ContactEntry[];
  duplicates: number;
  invalidCount: number;
  /** the first INVALID_LIST_CAP invalid entries */
  invalid: InvalidContact[];
}

export const INVALID_LIST_CAP = 100;
const VAR_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_VAR_LENGTH = 1000;

/** `recipient` turns one contact's address into its canonical form (WhatsApp's by default; a Messenger campaign passes its PSID parser). */
export function parseContacts(input: unknown[], recipient: (raw: string) => string | undefined = canonicalRecipient): ParsedContacts {
  const seen = new Set<string>();
  const out: ParsedContacts = { recipients: [], duplicates: 0, invalidCount: 0, invalid: [] };
  const reject = (index: number, value: unknown, reason: InvalidReason) => {
    out.invalidCount++;
    if (out.invalid.length < INVALID_LIST_CAP) out.invalid.push({ index, input: preview(value), reason });
  };
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    let phone: unknown = item;
    let vars: TemplateVars | undefined;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const c = item as { phone?: unknown; name?: unknown; variables?: unknown };
      phone = c.phone;
      const parsed = contactVars(c.name, c.variables);
      if (parsed === null) {
        reject(i, item, 'invalid_variables');
        continue;
      }
      vars = parsed;
    }
    if (typeof phone !== 'string' && typeof phone !== 'number') {
      reject(i, item, 'not_a_contact');
      continue;
    }
    const to = recipient(String(phone));
    if (!to) {
      reject(i, item, 'invalid_phone');
      continue;
    }
    if (seen.has(to)) {
      out.duplicates++;
      continue;
    }
    seen.add(to);
    out.recipients.push(vars ? { to, vars } : { to });
  }
  return out;
}

/** name + variables as strings; null when they are malformed; undefined when there are none. */
function contactVars(name: unknown, variables: unknown): TemplateVars | undefined | null {
  const vars: TemplateVars = {};
  if (variables !== undefined && variables !== null) {
    if (typeof variables !== 'object' || Array.isArray(variables)) return null;
    for (const [k, v] of Object.entries(variables as Record<string, unknown>)) {
      if (!VAR_KEY.test(k)) return null;
      if (v === null || v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return null;
      vars[k] = String(v).slice(0, MAX_VAR_LENGTH);
    }
  }
  if (name !== undefined && name !== null) {
    if (typeof name !== 'string' && typeof name !== 'number') return null;
    vars.name = String(name).slice(0, MAX_VAR_LENGTH);
  }
  return Object.keys(vars).length ? vars : undefined;
}

function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
