/**
 * Opt-out words: an inbound message that is nothing but one of them ("STOP", "Sair.", "  parar!",
 * "DESCADASTRAR") puts its sender on the suppression list. Whole message only: "não quero parar de
 * receber" or "stop by the store tomorrow" are conversations, not opt-outs. Case and accents do not
 * matter ("Cancelár" = "CANCELAR"), nor punctuation, spaces or emoji around the word.
 */

/** Upper case, accents removed (NFD, combining marks dropped), trimmed of anything but letters and digits at both ends. */
export function normalizeOptOut(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

/** OPT_OUT_WORDS (comma separated) as a set of normalised words; empty = opt-out detection off. */
export function parseOptOutWords(csv: string): Set<string> {
  return new Set(csv.split(',').map(normalizeOptOut).filter(Boolean));
}

/** The word when the whole message is an opt-out, else undefined. */
export function optOutWord(text: string | null | undefined, words: Set<string>): string | undefined {
  if (!text || !words.size || text.length > 64) return undefined;
  const word = normalizeOptOut(text);
  return words.has(word) ? word : undefined;
}
