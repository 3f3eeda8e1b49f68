/**
 * Brazil's ninth digit. Brazilian mobiles gained a leading 9 (2012-2016: `55 DD 8765-4321` became
 * `55 DD 98765-4321`), but WhatsApp accounts made before the change may still be registered under
 * the 8-digit form, and CRMs hold numbers in both. So a Brazilian mobile is looked up in both forms
 * and the registered one wins.
 *
 * The rule follows Evolution API, which tries both forms when it checks a number
 * (src/utils/onWhatsappCache.ts getAvailableNumbers: the form with the 9 first, then without it)
 * and narrows it the way its src/utils/createJid.ts formatBRNumber reads a number: 55, a two-digit
 * DDD, then the subscriber number. We pair exactly the two spellings of one mobile:
 *   55 DD 9 NNNNNNNN  <->  55 DD NNNNNNNN   where NNNNNNNN starts with 6, 7, 8 or 9
 * (8-digit mobiles started with 6-9; 2-5 were and are landlines). Stricter than Evolution's
 * "any 55 number" on purpose: 55 DD 9 1234-5678 never had an 8-digit form, and 55 DD 1234-5678 is a
 * landline, which may be somebody else's WhatsApp Business account. createJid's DDD < 31 shortcut
 * (guessing one form without a lookup) is not needed: both forms are asked.
 */

/** 55, a DDD (two digits 1-9: no DDD has a 0), a 9, then a former 8-digit mobile (6-9 first). */
const NINE_DIGIT = /^55([1-9]{2})9([6-9]\d{7})$/;
/** 55, a DDD, then an 8-digit mobile number (6-9 first). */
const EIGHT_DIGIT = /^55([1-9]{2})([6-9]\d{7})$/;

/**
 * The spellings to look up for a phone (digits, country code first), in the order they win when
 * several are registered: a Brazilian mobile gives both forms, the 9-digit one first (Evolution's
 * priority: it is today's number); every other phone gives itself.
 */
export function phoneForms(phone: string): string[] {
  const nine = NINE_DIGIT.exec(phone);
  if (nine) return [phone, `55${nine[1]}${nine[2]}`];
  const eight = EIGHT_DIGIT.exec(phone);
  if (eight) return [`55${eight[1]}9${eight[2]}`, phone];
  return [phone];
}

/** True for the 8-digit spelling of a Brazilian mobile (the form without the ninth digit). */
export function isBrazilianEightDigitMobile(phone: string): boolean {
  return EIGHT_DIGIT.test(phone);
}
