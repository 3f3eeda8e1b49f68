/**
 * Baileys' shouldIgnoreJid from WA_IGNORE_JIDS. rc14 asks it for every incoming message, receipt,
 * call and notification before decrypting anything (lib/Socket/messages-recv.js:1589-1602
 * processNode: an ignored message is nacked, never decrypted, no Signal session or sender key
 * written) and for presences (lib/Socket/chats.js:666). Without it every status story and channel
 * post of every contact is decrypted, its keys written to Redis, and then dropped by inbound.ts.
 * Kinds (lib/WABinary/jid-utils.js:69-75): status = isJidStatusBroadcast (status@broadcast), newsletter =
 * isJidNewsletter (@newsletter), broadcast = isJidBroadcast (every @broadcast, status included).
 */
import type { IgnorableJidKind } from '../../shared/config';
import type { Baileys } from './loader';

export function ignoreJidPredicate(baileys: Baileys, kinds: readonly IgnorableJidKind[]): (jid: string) => boolean {
  const tests: Array<(jid: string) => boolean> = [];
  if (kinds.includes('broadcast')) tests.push((j) => baileys.isJidBroadcast(j) === true);
  else if (kinds.includes('status')) tests.push((j) => baileys.isJidStatusBroadcast(j) === true);
  if (kinds.includes('newsletter')) tests.push((j) => baileys.isJidNewsletter(j) === true);
  return (jid) => typeof jid === 'string' && tests.some((t) => t(jid));
}
