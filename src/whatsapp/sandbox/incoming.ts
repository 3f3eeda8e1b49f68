/**
 * What the sandbox can be told to "receive": the input schema (shared by simulateIncoming and
 * POST /instance/:id/sandbox/incoming) and the 'message.received' data built from it, in the same
 * shape the Baileys adapter emits, so a CRM integration can be developed against the sandbox.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { newMessageId } from '../ids';
import { parseWaAddress } from '../address';
import type { MessageReceivedData } from '../../events/message-data';

export const simulatedIncomingSchema = z.object({
  /** sender: phone digits (any common notation) or a user JID */
  from: z.string().min(1).max(64),
  /** a group id when the message arrives in a group (from is then the participant) */
  chatId: z.string().max(64).optional(),
  type: z.enum(['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact']).default('text'),
  text: z.string().max(65536).optional(),
  pushName: z.string().max(256).optional(),
  messageId: z.string().regex(/^[A-Za-z0-9]{8,64}$/, 'letters and digits, 8 to 64').optional(),
  fromLid: z.string().regex(/^\d{5,25}@lid$/, 'like 123456789@lid').optional(),
  media: z
    .object({
      mimetype: z.string().min(3).max(255),
      fileName: z.string().max(255).optional(),
      /** the media bytes, base64; served by GET /instance/:id/media/:messageId */
      data: z.string().max(16 * 1024 * 1024).optional(),
    })
    .optional(),
});

export type SimulatedIncoming = z.input<typeof simulatedIncomingSchema>;

export interface StoredMedia {
  mimetype: string;
  fileName?: string;
  data: Buffer;
}

/**
 * The sandbox's LID of a phone number (SANDBOX_LID_CONTACTS): stable, 15 digits like WhatsApp's,
 * so a CRM developer sees the same LID for the same contact every time.
 */
export function sandboxLid(phone: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(phone).digest('hex').slice(0, 12)}`).toString().padStart(13, '0').slice(0, 13);
  return `20${digits}@lid`;
}

/**
 * Builds the event data (and any media to keep); throws 400 on a sender or chat that is not one.
 * With lidContacts (SANDBOX_LID_CONTACTS) every contact has a LID and writes from it, as contacts
 * WhatsApp moved to LIDs do: chatId is the LID, `from` still says the number.
 */
export function buildIncoming(instanceId: string, input: SimulatedIncoming, lidContacts = false): { data: MessageReceivedData; media?: StoredMedia } {
  const parsed = simulatedIncomingSchema.parse(input);
  const sender = parseWaAddress(parsed.from);
  if (!sender || sender.kind !== 'pn') throw new AppError('invalid_recipient', `from must be a phone number or user JID (got ${parsed.from})`);
  const group = parsed.chatId ? parseWaAddress(parsed.chatId) : undefined;
  if (parsed.chatId && group?.kind !== 'group') throw new AppError('invalid_recipient', `chatId must be a group id like 120363000000000000@g.us`);
  const messageId = parsed.messageId ?? newMessageId();
  const isGroup = group?.kind === 'group';
  const media = parsed.media
    ? { mimetype: parsed.media.mimetype, fileName: parsed.media.fileName, data: Buffer.from(parsed.media.data ?? '', 'base64') }
    : undefined;
  const lid = parsed.fromLid ?? (lidContacts ? sandboxLid(sender.phone) : null);
  const data: MessageReceivedData = {
    messageId,
    chatId: isGroup ? group.jid : lidContacts && lid ? lid : sender.jid,
    isGroup,
    fromMe: false,
    from: sender.phone,
    fromJid: sender.jid,
    fromLid: lid,
    lid,
    participant: isGroup ? sender.jid : null,
    pushName: parsed.pushName ?? null,
    timestamp: Math.floor(Date.now() / 1000),
    type: parsed.type,
    text: parsed.text ?? null,
    media: media
      ? { mimetype: media.mimetype, fileName: media.fileName ?? null, size: media.data.length, downloadPath: `/instance/${instanceId}/media/${messageId}` }
      : null,
    sandbox: true,
  };
  return { data, media };
}
