/**
 * Phone numbers written by people: digits only, country code first, 8 to 15 digits as E.164
 * allows. Recipients of every kind (phone, LID, group) are parsed in address.ts.
 */
/** Digits of a phone number written any common way (+55 (11) 99999-9999), or undefined. */
export function normalizePhone(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  return digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0') ? digits : undefined;
}
