/**
 * GET /instance/:id/contacts/:contact: what WhatsApp tells this number about a person given by
 * phone, PN JID or LID. Existence (and the phone's LID) comes from the cached number check every
 * other lookup uses (numbers/number-check.ts: a Brazilian mobile resolves to its registered form);
 * names, the other identity and the profile picture from the session (contactProfile). A LID is
 * an account by definition (WhatsApp gives LIDs to accounts only), so it needs no directory query.
 */
import { requireUserAddress } from './address';
import type { ContactProfile } from './crm-types';
import type { NumberChecker } from './numbers/number-check';
import type { WhatsAppSession } from './types';

export interface ContactAnswer extends Omit<ContactProfile, 'pnJid'> {
  /** the contact as given */
  input: string;
  /** has a WhatsApp account */
  exists: boolean;
  /** digits of the account's number (the registered form), when known */
  phone: string | null;
  /** `<phone>@s.whatsapp.net`, when known */
  jid: string | null;
}

export interface ContactLookupDeps {
  numbers: Pick<NumberChecker, 'check'>;
  sessions: { connectedSession(instanceId: string): Promise<Pick<WhatsAppSession, 'contactProfile'>> };
}

const NOTHING: Omit<ContactProfile, 'pnJid' | 'lid'> = { name: null, notify: null, verifiedName: null, pictureUrl: null, picture: 'none' };

export async function lookUpContact(deps: ContactLookupDeps, instanceId: string, input: string): Promise<ContactAnswer> {
  const address = requireUserAddress(input, 'contact');
  const session = await deps.sessions.connectedSession(instanceId);
  if (address.kind === 'lid') {
    const profile = await session.contactProfile({ lid: address.jid });
    return { input, exists: true, phone: profile.pnJid ? profile.pnJid.split('@')[0] : null, jid: profile.pnJid, lid: address.jid, ...namesAndPicture(profile) };
  }
  const [check] = await deps.numbers.check(instanceId, [address.phone]);
  // no account: no names, nobody to ask a picture of
  if (!check.exists) return { input, exists: false, phone: check.phone, jid: check.jid, lid: null, ...NOTHING };
  const profile = await session.contactProfile({ pnJid: check.jid, ...(check.lid ? { lid: check.lid } : {}) });
  return { input, exists: true, phone: check.phone, jid: check.jid, lid: check.lid ?? profile.lid, ...namesAndPicture(profile) };
}

function namesAndPicture(p: ContactProfile): Omit<ContactProfile, 'pnJid' | 'lid'> {
  return { name: p.name, notify: p.notify, verifiedName: p.verifiedName, pictureUrl: p.pictureUrl, picture: p.picture };
}
