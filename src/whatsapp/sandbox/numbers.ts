/**
 * Who is on WhatsApp in the sandbox (WHATSAPP_DRIVER=sandbox), so a CRM developer without a phone
 * sees every outcome of check-numbers and of checkNumber / checkNumbers:
 * - a number ending in 0000 is not on WhatsApp (it fails `not_on_whatsapp` when checked);
 * - a Brazilian mobile is registered in its 9-digit form only: its 8-digit spelling has no account,
 *   so a number given with 8 digits resolves to the 9-digit form (brazil-phone.ts asks both), as
 *   the stand-in's Brazilian contact does (test/harness/README.md, "Network behaviours");
 * - every other number is on WhatsApp (with SANDBOX_LID_CONTACTS, with its sandbox LID).
 */
import { isBrazilianEightDigitMobile } from '../numbers/brazil-phone';
import type { NumberLookup } from '../types';

export function sandboxHasAccount(phone: string): boolean {
  return !phone.endsWith('0000') && !isBrazilianEightDigitMobile(phone);
}

/** The sandbox directory's answer for one phone; lidOf gives a registered number its LID. */
export function sandboxLookup(phone: string, lidOf?: (phone: string) => string): NumberLookup {
  if (!sandboxHasAccount(phone)) return { phone, exists: false };
  return { phone, exists: true, jid: `${phone}@s.whatsapp.net`, ...(lidOf ? { lid: lidOf(phone) } : {}) };
}
