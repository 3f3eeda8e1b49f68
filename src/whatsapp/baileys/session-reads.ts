/**
 * The reads a BaileysSession (baileys-session.ts) answers from WhatsApp for the CRM: which numbers
 * are on WhatsApp (number-lookup.ts), groups, one group, a contact's names and picture
 * (crm-reads.ts). Each needs the instance connected (SessionView.connected).
 */
import { AppError } from '../../shared/errors';
import type { NumberLookup } from '../types';
import type { CrmReadContext } from './crm-reads';
import { classifySendError } from './send-errors';
import { lookupNumbers } from './number-lookup';
import type { SessionView } from './session-view';

/** One usync contact + LID query for the phones (number-lookup.ts: why not sock.onWhatsApp). */
export async function checkNumbers(s: SessionView, phones: string[]): Promise<NumberLookup[]> {
  const { sock } = s.connected();
  const b = s.built()!;
  if (!sock.executeUSyncQuery) throw new AppError('transient', `instance ${s.instanceId} cannot query WhatsApp's directory`);
  try {
    return await lookupNumbers(b.d.baileys, { executeUSyncQuery: sock.executeUSyncQuery, signalRepository: sock.signalRepository }, phones);
  } catch (err) {
    throw classifySendError(err, s.instanceId);
  }
}

/** What crm-reads.ts needs of a connected session; throws instance_not_connected otherwise. */
export function crmContext(s: SessionView): CrmReadContext {
  const { sock } = s.connected();
  const b = s.built()!;
  return { baileys: b.d.baileys, sock, caches: b.caches, instanceId: s.instanceId };
}
