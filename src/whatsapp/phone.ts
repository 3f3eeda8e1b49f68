/**
 * Phone and chat id handling, in one place. A recipient is either a phone number (digits only,
 * country code first, 8 to 15 digits as E.164 allows) or a group id `<digits>[-<digits>]@g.us`.
 * Anything else is the caller's mistake (400), never a failed send.
 */
const GROUP_RE = /^\d{5,25}(-\d{5,15})?@g\.us$/;
const USER_JID_RE = /^(\d{8,15})(:\d+)?@(s\.whatsapp\.net|c\.us)$/;

export type Recipient = { kind: 'user'; phone: string; jid: string } | { kind: 'group'; jid: string };

/** Digits of a phone number written any common way (+55 (11) 99999-9999), or undefined. */
export function normalizePhone(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  return digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0') ? digits : undefined;
}

export function parseRecipient(input: string): Recipient | undefined {
  const value = input.trim();
  if (GROUP_RE.test(value)) return { kind: 'group', jid: value };
  const jidMatch = USER_JID_RE.exec(value);
  const phone = jidMatch ? jidMatch[1] : normalizePhone(value);
  return phone ? { kind: 'user', phone, jid: `${phone}@s.whatsapp.net` } : undefined;
}

/** The canonical form kept in jobs and logs: phone digits, or the group id. */
export function canonicalRecipient(input: string): string | undefined {
  const r = parseRecipient(input);
  return r ? (r.kind === 'user' ? r.phone : r.jid) : undefined;
}
