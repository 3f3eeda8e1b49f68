/**
 * POST /queue/add-message input. Accepts what the CRM's edge functions already send
 * (`instanceId`, `phone`, `message`, `mediaType`, `mediaUrl`, ...; `null` for "absent"; unknown
 * fields such as `action` are ignored) plus richer content, and turns it into one SendContent.
 */
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { parseInput } from '../shared/parse-input';
import { INSTANCE_ID_RE } from '../whatsapp/types';
import { SendContent } from '../channels/content';
import { canonicalRecipient } from '../whatsapp/address';
import { deleteBodySchema, editBodySchema, httpUrlSchema, pollBodySchema, sendContentSchema } from '../whatsapp/content-schema';

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const str = (max: number) => opt(z.string().max(max));
/** Phone numbers often arrive as JSON numbers; both forms are accepted. */
const phoneLike = opt(z.union([z.string().min(1).max(64), z.number().int().positive()]).transform(String));

const MEDIA_ALIASES: Record<string, 'text' | 'image' | 'video' | 'audio' | 'document' | 'ptt' | 'sticker'> = {
  text: 'text', chat: 'text', image: 'image', photo: 'image', video: 'video', audio: 'audio', voice: 'ptt', ptt: 'ptt', document: 'document', file: 'document', sticker: 'sticker',
};

export const addMessageSchema = z.object({
  instanceId: z.string().regex(INSTANCE_ID_RE, 'must be 1-64 letters, digits, _ or -'),
  phone: phoneLike,
  to: phoneLike,
  number: phoneLike,
  message: str(65536),
  text: str(65536),
  mediaType: opt(z.string().transform((v) => v.toLowerCase()).pipe(z.enum(Object.keys(MEDIA_ALIASES) as [string, ...string[]]))),
  mediaUrl: opt(httpUrlSchema),
  caption: str(65536),
  fileName: str(255),
  mimetype: str(255),
  location: opt(z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), name: str(1024), address: str(1024) })),
  contact: opt(z.object({ displayName: z.string().min(1).max(256), phone: str(32), vcard: str(65536) })),
  reaction: opt(z.object({ emoji: z.string().max(32), targetId: z.string().min(1).max(128), targetFromMe: opt(z.boolean()), targetParticipant: str(128) })),
  poll: opt(pollBodySchema),
  /** new text for a message this number sent */
  edit: opt(editBodySchema),
  /** delete for everyone a message this number sent */
  delete: opt(deleteBodySchema),
  quotedId: str(128),
  mentions: opt(z.array(z.union([z.string().min(1).max(64), z.number().int().positive().transform(String)])).max(1024)),
  linkPreview: opt(z.boolean()),
  ptt: opt(z.boolean()),
  delayMs: opt(z.number().int().min(0)),
  scheduledFor: opt(z.string().max(64)),
  priority: opt(z.number().int().min(1).max(10)),
  idempotencyKey: opt(z.string().min(1).max(200)),
  /** look the number up before sending (off by default: lookups in bursts are a ban signal) */
  checkNumber: opt(z.boolean()),
  /** send even when the recipient opted out (the suppression list); the CRM takes responsibility */
  force: opt(z.boolean()),
});

export type AddMessageBody = z.infer<typeof addMessageSchema>;

export interface AddMessageRequest {
  instanceId: string;
  /** canonical recipient: phone digits or a group id */
  to: string;
  content: SendContent;
  /** ms before the job may run (0 = now) */
  delayMs: number;
  /** Bull priority, 1 = highest; absent = normal FIFO */
  priority?: number;
  idempotencyKey?: string;
  /** resolve the phone on WhatsApp first (its registered form), fail not_on_whatsapp without sending */
  checkNumber?: boolean;
  /** send even to a suppressed (opted-out) recipient */
  force?: boolean;
}

export interface ParseLimits {
  maxScheduleMs: number;
  now?: number;
}

const fieldError = (field: string, message: string, code: 'validation_failed' | 'invalid_recipient' = 'validation_failed') =>
  new AppError(code, `invalid input: ${field}: ${message}`, { fields: [{ field, message }] });

/** Validates the body (and the Idempotency-Key header) into an AddMessageRequest; 400 on any fault. */
export function parseAddMessage(body: unknown, headerKey: string | undefined, limits: ParseLimits): AddMessageRequest {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation_failed', 'send a JSON object body', { fields: [{ field: '(body)', message: 'must be a JSON object' }] });
  }
  const b = parseInput(addMessageSchema, body);
  const rawTo = b.phone ?? b.to ?? b.number;
  if (!rawTo) throw fieldError('phone', 'required (phone digits with country code, or a group id ending in @g.us)');
  const to = canonicalRecipient(rawTo);
  if (!to) throw fieldError('phone', `not a phone number or group id: ${rawTo}`, 'invalid_recipient');
  const content = parseInput(sendContentSchema, buildContent(b));
  const key = headerKey?.trim() || b.idempotencyKey;
  if (key !== undefined && (key.length > 200 || !/^[\x21-\x7e]+$/.test(key))) throw fieldError('idempotencyKey', 'must be 1-200 printable characters without spaces');
  return { instanceId: b.instanceId, to, content, delayMs: delayOf(b, limits), priority: b.priority, idempotencyKey: key, ...(b.checkNumber ? { checkNumber: true } : {}), ...(b.force ? { force: true } : {}) };
}

function buildContent(b: AddMessageBody): SendContent {
  const kinds = [b.location && 'location', b.contact && 'contact', b.reaction && 'reaction', b.poll && 'poll', b.edit && 'edit', b.delete && 'delete'].filter(Boolean);
  if (kinds.length > 1) throw fieldError(String(kinds[1]), `give only one of location, contact, reaction, poll, edit, delete`);
  const quotedId = b.quotedId;
  if (b.reaction) return { type: 'reaction', ...b.reaction };
  if (b.poll) return { type: 'poll', ...b.poll, quotedId };
  if (b.edit) return { type: 'edit', ...b.edit };
  if (b.delete) return { type: 'delete', ...b.delete };
  if (b.location) return { type: 'location', ...b.location, quotedId };
  if (b.contact) {
    if (!b.contact.phone && !b.contact.vcard) throw fieldError('contact.phone', 'give contact.phone or contact.vcard');
    return { type: 'contact', ...b.contact, quotedId };
  }
  const text = b.message ?? b.text;
  const alias = b.mediaType ? MEDIA_ALIASES[b.mediaType] : b.mediaUrl ? inferMediaType(b.mediaUrl) : 'text';
  const mentions = b.mentions?.map((m, i) => {
    const phone = canonicalRecipient(m);
    if (!phone || phone.endsWith('@g.us')) throw fieldError(`mentions.${i}`, `not a phone number: ${m}`);
    return phone;
  });
  if (alias === 'text') {
    if (!text) throw fieldError('message', 'required (the text to send), or give mediaType and mediaUrl');
    return { type: 'text', text, linkPreview: b.linkPreview, mentions, quotedId };
  }
  if (!b.mediaUrl) throw fieldError('mediaUrl', `required for mediaType ${b.mediaType}`);
  const url = b.mediaUrl;
  const caption = b.caption ?? text;
  const mimetype = b.mimetype;
  switch (alias) {
    case 'image':
    case 'video':
      return { type: alias, url, caption, mimetype, mentions, quotedId };
    case 'audio':
    case 'ptt':
      return { type: 'audio', url, ptt: alias === 'ptt' ? true : b.ptt, mimetype, quotedId };
    case 'sticker':
      return { type: 'sticker', url, quotedId };
    default:
      return { type: 'document', url, caption, mimetype, quotedId, fileName: b.fileName ?? fileNameOf(url) };
  }
}

function delayOf(b: AddMessageBody, limits: ParseLimits): number {
  if (b.delayMs !== undefined && b.scheduledFor !== undefined) throw fieldError('scheduledFor', 'give delayMs or scheduledFor, not both');
  let delay = b.delayMs ?? 0;
  if (b.scheduledFor !== undefined) {
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(b.scheduledFor) ? Date.parse(b.scheduledFor) : NaN;
    if (Number.isNaN(at)) throw fieldError('scheduledFor', 'must be an ISO 8601 date-time like 2025-08-29T15:00:00Z');
    delay = at - (limits.now ?? Date.now());
    // a little clock skew between the CRM and this host is not an error: send now
    if (delay < -60_000) throw fieldError('scheduledFor', 'is in the past');
    delay = Math.max(delay, 0);
  }
  if (delay > limits.maxScheduleMs) throw fieldError(b.scheduledFor !== undefined ? 'scheduledFor' : 'delayMs', `is more than ${Math.round(limits.maxScheduleMs / 86_400_000)} days ahead`);
  return delay;
}

const EXT_TYPES: Record<string, 'image' | 'video' | 'audio'> = {
  jpg: 'image', jpeg: 'image', png: 'image', webp: 'image', gif: 'image',
  mp4: 'video', mov: 'video', '3gp': 'video', mkv: 'video', webm: 'video',
  mp3: 'audio', ogg: 'audio', opus: 'audio', m4a: 'audio', aac: 'audio', wav: 'audio', amr: 'audio',
};

function inferMediaType(url: string): 'image' | 'video' | 'audio' | 'document' {
  const ext = new URL(url).pathname.split('.').pop()?.toLowerCase() ?? '';
  return EXT_TYPES[ext] ?? 'document';
}

function fileNameOf(url: string): string | undefined {
  const raw = new URL(url).pathname.split('/').pop() ?? '';
  let last = raw;
  try {
    last = decodeURIComponent(raw);
  } catch {
    // malformed escapes: keep the name as written
  }
  return last ? last.slice(0, 255) : undefined;
}
