/**
 * Who a message is from, in both of WhatsApp's identities. Baileys 7 addresses contacts either by
 * phone number (`<digits>@s.whatsapp.net`) or by LID (`<id>@lid`) and puts the other identity,
 * when the server sent it, in `key.remoteJidAlt` (1:1) or `key.participantAlt` (groups)
 * (lib/Utils/decode-wa-message.js). When only the LID came, the socket's own LID->PN mapping
 * store (Redis-backed 'lid-mapping' keys) may still know the number.
 */
import type { Baileys } from './loader';

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
