/**
 * "Is this number on WhatsApp?" through Baileys rc14's usync. sock.onWhatsApp
 * (lib/Socket/socket.js:222-245) asks only the contact protocol (phones as `+digits`, :235), drops
 * every user whose contact parsed 'out' (:243) and never returns the LID. So we build the same
 * query ourselves with the LID protocol too (USyncQuery().withContactProtocol().withLIDProtocol(),
 * run by sock.executeUSyncQuery, socket.js:172-220; the LID parser reads `<lid val>`,
 * WAUSync/Protocols/UsyncLIDProtocol.js:22-26), and keep the 'out' answers as exists: false.
 *
 * Matching answers to questions: usync answers `user[jid]` (WAUSync/USyncQuery.js:25-68), the
 * account's jid, which need not be the phone asked (WhatsApp may name an account by another
 * spelling of its number). WhatsApp echoes the asked phone as the text of `<contact>` (whatsmeow
 * reads it: user.go IsOnWhatsApp, `info.Query = string(contactNode.Content)`), but Baileys' contact
 * parser keeps only `type === 'in'` (USyncContactProtocol.js:44-50). We wrap that parser to keep
 * the echo as well, and fall back to the jid's number when no echo came (the stand-in sends none).
 */
import type { USyncQuery } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Baileys } from './loader';
import type { NumberLookup } from '../types';
import type { WaSocketLike } from './socket-types';

/** What the wrapped contact parser returns for one user. */
interface ContactAnswer {
  in: boolean;
  /** the phone WhatsApp says was asked, digits only */
  query?: string;
}

export type UsyncSocket = Pick<WaSocketLike, 'signalRepository'> & { executeUSyncQuery: NonNullable<WaSocketLike['executeUSyncQuery']> };

/** One usync query for every phone given (digits); one lookup per phone, in the order given. */
export async function lookupNumbers(baileys: Baileys, sock: UsyncSocket, phones: string[]): Promise<NumberLookup[]> {
  if (!phones.length) return [];
  const query = new baileys.USyncQuery().withContactProtocol().withLIDProtocol();
  keepContactEcho(query);
  for (const phone of phones) query.withUser(new baileys.USyncUser().withPhone(`+${phone}`));
  const result = await sock.executeUSyncQuery(query);
  const byPhone = new Map<string, NumberLookup>();
  const asked = new Set(phones);
  for (const user of result?.list ?? []) {
    const contact = user.contact as ContactAnswer | undefined;
    const jid = baileys.jidNormalizedUser(user.id);
    const number = jid.split('@')[0];
    const phone = contact?.query && asked.has(contact.query) ? contact.query : number;
    if (!asked.has(phone) || byPhone.get(phone)?.exists) continue;
    const lid = typeof user.lid === 'string' && baileys.isLidUser(user.lid) ? baileys.jidNormalizedUser(user.lid) : undefined;
    byPhone.set(phone, { phone, exists: contact?.in === true, ...(contact?.in ? { jid } : {}), ...(contact?.in && lid ? { lid } : {}) });
  }
  await rememberLids(sock, [...byPhone.values()]);
  return phones.map((phone) => byPhone.get(phone) ?? { phone, exists: false });
}

/** Wraps the query's contact parser (USyncContactProtocol.js:44-50) so it keeps the echoed phone too. */
function keepContactEcho(query: USyncQuery): void {
  const contact = query.protocols.find((p) => p.name === 'contact');
  if (!contact) return;
  const parse = contact.parser.bind(contact);
  contact.parser = (node) => {
    const text = typeof node.content === 'string' ? node.content : node.content instanceof Uint8Array ? Buffer.from(node.content).toString('utf8') : '';
    const digits = text.replace(/\D/g, '');
    return { in: parse(node) === true, ...(digits ? { query: digits } : {}) } satisfies ContactAnswer;
  };
}

/**
 * Stores what WhatsApp told us as PN->LID mappings, as rc14 does with the LID answers of its own
 * device query before a send (lib/Socket/messages-send.js:198-203 storeLIDPNMappings): the next
 * send to that number then goes to the address the chat uses (addressing.ts chatJidFor).
 * Best effort: a failed store never fails the lookup.
 */
async function rememberLids(sock: UsyncSocket, found: NumberLookup[]): Promise<void> {
  const pairs = found.filter((f) => f.exists && f.jid && f.lid).map((f) => ({ lid: f.lid!, pn: f.jid! }));
  const store = sock.signalRepository?.lidMapping?.storeLIDPNMappings;
  if (!pairs.length || !store) return;
  await store.call(sock.signalRepository!.lidMapping, pairs).catch(() => undefined);
}
