/**
 * WhatsApp refusing a message after the send resolved: an error ack (`<ack error="463">`) that
 * Baileys reports as a messages.update with status ERROR and the code in messageStubParameters[0]
 * (lib/Socket/messages-recv.js handleBadAck). rc14's comment on 463: "No retry — retrying counts
 * as another 'reach out' and worsens the restriction". Such a message is failed, never retried.
 */

/** The codes WhatsApp uses in error acks (lib/Utils/decode-wa-message.js SERVER_ERROR_CODES / NACK_REASONS). */
const KNOWN: Record<string, { code: string; message: string }> = {
  // MessageAccountRestriction / SenderReachoutTimelocked: 1:1 message without a privacy token,
  // usually an account restricted from starting new chats (existing chats carry a token)
  '463': { code: 'reachout_timelocked', message: 'WhatsApp refused the message: the number is restricted from starting new chats (463)' },
  // SmaxInvalid: stanza rejected, "likely stale device session or malformed addressing"
  '479': { code: 'invalid_recipient', message: 'WhatsApp rejected the message as invalid for this recipient (479)' },
};

export interface LateRejection {
  /** our code: reachout_timelocked, invalid_recipient, or whatsapp_rejected */
  code: string;
  /** WhatsApp's code from the ack, as a string ('463') */
  waCode: string;
  message: string;
}

export function lateRejection(waCode: string | null | undefined): LateRejection {
  const wa = String(waCode ?? '').trim() || 'unknown';
  const known = KNOWN[wa];
  return known ? { ...known, waCode: wa } : { code: 'whatsapp_rejected', waCode: wa, message: `WhatsApp rejected the message after accepting it (error ${wa})` };
}
