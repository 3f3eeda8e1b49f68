/**
 * Who a message is from, in both of WhatsApp's identities. Baileys 7 addresses contacts either by
 * phone number (`<digits>@s.whatsapp.net`) or by LID (`<id>@lid`) and puts the other identity,
 * when the server sent it, in `key.remoteJidAlt` (1:1) or `key.participantAlt` (groups)
 * (lib/Utils/decode-wa-message.js). When only the LID came, the socket's own LID->PN mapping
 * store (Redis-backed 'lid-mapping' keys) may still know the number.
 */
import type { Baileys } from './loader';
import type { WaAddress } from '../address';

export interface Identity {
  /** phone digits, when known */
  phone: string | null;
  /** phone-number JID (no device), when known */
  pnJid: string | null;
  /** LID JID (no device), when known */
  lid: string | null;
  /** the best single id: the phone-number JID, else the LID, else what came */
  jid: string;
}

export type PnForLid = (lid: string) => Promise<string | null>;

/** Resolves a JID and its alternative (either order) into both identities. Never throws. */
export async function resolveIdentity(baileys: Baileys, primary: string | null | undefined, alt: string | null | undefined, pnForLid?: PnForLid): Promise<Identity> {
  const { isLidUser, isPnUser, jidNormalizedUser } = baileys;
  let pnJid: string | null = null;
  let lid: string | null = null;
  for (const raw of [primary, alt]) {
    if (!raw) continue;
    const jid = jidNormalizedUser(raw);
    if (!pnJid && isPnUser(jid)) pnJid = jid;
    else if (!lid && isLidUser(jid)) lid = jid;
  }
  if (!pnJid && lid && pnForLid) {
    try {
      const found = await pnForLid(lid);
      if (found) pnJid = jidNormalizedUser(found);
    } catch {
      // mapping lookups are best effort: the event still carries the LID
    }
  }
  const fallback = primary ? jidNormalizedUser(primary) || primary : '';
  return { phone: pnJid ? pnJid.split('@')[0] : null, pnJid, lid, jid: pnJid ?? lid ?? fallback };
}

export type LidForPn = (pnJid: string) => Promise<string | null>;

/**
 * The JID a 1:1 send, its typing presence and its read receipts go to: the address the chat uses.
 * Baileys rc14 relays to exactly the JID it is given (lib/Socket/messages-send.js relayMessage:
 * `isLid` picks LID or PN addressing for the message and every device) and keeps a PN-addressed
 * chat on PN even after it has learned the contact's LID; sends addressed by phone to contacts
 * WhatsApp has moved to LIDs end in a late 463 (Baileys #2683, OpenWA PR #717, fixed there by
 * sending to the LID). So a phone number goes to its LID whenever the socket's LID mapping store
 * knows one (lib/Signal/lid-mapping.js getLIDForPN: its cache, the Redis-backed 'lid-mapping'
 * keys, else the usync LID query Baileys itself makes before any PN send); LIDs and groups go as
 * given. A failed lookup keeps the phone JID (the send still goes, as it did before).
 */
export async function chatJidFor(baileys: Baileys, address: WaAddress, lidForPn?: LidForPn): Promise<string> {
  if (address.kind !== 'pn' || !lidForPn) return address.jid;
  try {
    const lid = await lidForPn(address.jid);
    return lid && baileys.isLidUser(lid) ? baileys.jidNormalizedUser(lid) : address.jid;
  } catch {
    return address.jid;
  }
}
