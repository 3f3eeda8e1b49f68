/**
 * The one recipient parser. A WhatsApp address is a phone number (digits, country code first, 8 to
 * 15 as E.164 allows; written any common way or as a PN JID), a LID (`<digits>@lid`, WhatsApp's
 * privacy id, which events report for contacts whose number is hidden) or a group
 * (`<digits>[-<digits>]@g.us`). Every edge (HTTP, campaign import, internal API) parses here once;
 * sessions take the parsed address, never a raw string. Anything else is the caller's mistake
 * (400 invalid_recipient), never a failed send.
 */
import { AppError } from '../shared/errors';
import { normalizePhone } from './phone';

export type WaAddress = { kind: 'pn'; phone: string; jid: string } | { kind: 'lid'; jid: string } | { kind: 'group'; jid: string };

const GROUP_RE = /^\d{5,25}(-\d{5,15})?@g\.us$/;
const USER_JID_RE = /^(\d{8,15})(:\d+)?@(s\.whatsapp\.net|c\.us)$/;
/** a device suffix (`:7`) is dropped: a message goes to the account, Baileys fans it out to devices */
const LID_RE = /^(\d{5,25})(:\d+)?@lid$/;

export function parseWaAddress(input: string): WaAddress | undefined {
  const value = input.trim();
  if (GROUP_RE.test(value)) return { kind: 'group', jid: value };
  const lid = LID_RE.exec(value);
  if (lid) return { kind: 'lid', jid: `${lid[1]}@lid` };
  const pn = USER_JID_RE.exec(value);
  const phone = pn ? pn[1] : normalizePhone(value);
  return phone ? { kind: 'pn', phone, jid: `${phone}@s.whatsapp.net` } : undefined;
}

/** parseWaAddress, or AppError invalid_recipient naming the field. */
export function requireWaAddress(input: string, field = 'to'): WaAddress {
  const address = parseWaAddress(input);
  if (!address) throw new AppError('invalid_recipient', `${field}: not a phone number, LID or group id: ${input}`, { [field]: input });
  return address;
}

/** A person (phone or LID), for mentions and a reaction's or receipt's participant. */
export function requireUserAddress(input: string, field = 'participant'): WaAddress & { kind: 'pn' | 'lid' } {
  const address = requireWaAddress(input, field);
  if (address.kind === 'group') throw new AppError('invalid_recipient', `${field}: not a phone number or user JID: ${input}`, { [field]: input });
  return address;
}

/** The form kept in jobs, campaign recipients and logs: phone digits, or the LID / group JID. */
export function canonicalAddress(address: WaAddress): string {
  return address.kind === 'pn' ? address.phone : address.jid;
}

/** parseWaAddress then canonicalAddress: for edges that store the recipient as a string. */
export function canonicalRecipient(input: string): string | undefined {
  const address = parseWaAddress(input);
  return address ? canonicalAddress(address) : undefined;
}
