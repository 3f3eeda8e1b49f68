/**
 * POST /queue/add-message for a Messenger instance: the recipient is a PSID (in `phone`, `to`,
 * `psid` or `recipientId`), the content text or media by URL (image, video, audio, file), with
 * Messenger's options: quick replies, messagingType (RESPONSE, UPDATE, MESSAGE_TAG) and tag.
 */
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { parseInput } from '../shared/parse-input';
import type { MessengerOptions, SendContent } from '../channels/content';
import { httpUrlSchema } from '../whatsapp/content-schema';
import { parsePsid } from '../messenger';
import type { AddMessageRequest, ParseLimits } from './request-schema';

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const idLike = opt(z.union([z.string().min(1).max(64), z.number().int().positive()]).transform(String));

export const MESSAGING_TYPES = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'] as const;

/** The Messenger options of add-message and add-broadcast (one schema, one set of errors). */
export const messengerOptionsSchema = {
  messagingType: opt(z.enum(MESSAGING_TYPES)),
  tag: opt(z.string().regex(/^[A-Z_]{3,64}$/, 'a Messenger message tag like ACCOUNT_UPDATE')),
};

const schema = z.object({
  instanceId: z.string(),
  phone: idLike,
  to: idLike,
  psid: idLike,
  recipientId: idLike,
  message: opt(z.string().max(2000)),
  text: opt(z.string().max(2000)),
  mediaType: opt(z.string().transform((v) => v.toLowerCase()).pipe(z.enum(['text', 'image', 'video', 'audio', 'document', 'file']))),
  mediaUrl: opt(httpUrlSchema),
  quickReplies: opt(z.array(z.object({ title: z.string().min(1).max(20), payload: z.string().min(1).max(1000), imageUrl: opt(httpUrlSchema) })).min(1).max(13)),
  ...messengerOptionsSchema,
  delayMs: opt(z.number().int().min(0)),
  priority: opt(z.number().int().min(1).max(10)),
  idempotencyKey: opt(z.string().min(1).max(200)),
});

const fieldError = (field: string, message: string, code: 'validation_failed' | 'invalid_recipient' = 'validation_failed') =>
  new AppError(code, `invalid input: ${field}: ${message}`, { fields: [{ field, message }] });

export function parseMessengerMessage(body: unknown, headerKey: string | undefined, limits: ParseLimits): AddMessageRequest {
  const b = parseInput(schema, body);
  const raw = b.psid ?? b.recipientId ?? b.to ?? b.phone;
  if (!raw) throw fieldError('psid', 'required: the recipient page-scoped id (PSID)');
  const to = parsePsid(raw);
  if (!to) throw fieldError('psid', `not a Messenger PSID (digits): ${raw}`, 'invalid_recipient');
  const messenger: MessengerOptions = { messagingType: b.messagingType ?? (b.tag ? 'MESSAGE_TAG' : undefined), tag: b.tag, quickReplies: b.quickReplies };
  if (messenger.messagingType === 'MESSAGE_TAG' && !b.tag) throw fieldError('tag', 'required with messagingType MESSAGE_TAG');
  const type = b.mediaType === 'file' ? 'document' : (b.mediaType ?? (b.mediaUrl ? 'document' : 'text'));
  let content: SendContent;
  if (type === 'text') {
    const text = b.message ?? b.text;
    if (!text) throw fieldError('message', 'required (the text to send), or give mediaType and mediaUrl');
    content = { type: 'text', text, messenger };
  } else {
    if (!b.mediaUrl) throw fieldError('mediaUrl', `required for mediaType ${type}`);
    content = { type, url: b.mediaUrl, messenger };
  }
  if (b.delayMs !== undefined && b.delayMs > limits.maxScheduleMs) throw fieldError('delayMs', 'is too far ahead');
  const key = headerKey?.trim() || b.idempotencyKey;
  if (key !== undefined && (key.length > 200 || !/^[\x21-\x7e]+$/.test(key))) throw fieldError('idempotencyKey', 'must be 1-200 printable characters without spaces');
  return { instanceId: b.instanceId, to, content, delayMs: b.delayMs ?? 0, priority: b.priority, idempotencyKey: key };
}
