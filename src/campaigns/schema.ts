import { z } from 'zod';
import { httpUrlSchema } from '../whatsapp/content-schema';
import { INSTANCE_ID_RE } from '../whatsapp/types';

/**
 * The add-broadcast body as broadcast_messaging_service sends it (seed 001), validated once here.
 * Contacts are only checked to be an array: each one is parsed (and reported when bad) by
 * contacts.ts. Unknown fields (`action`, ...) are ignored.
 */
export const CAMPAIGN_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
export const CAMPAIGN_MEDIA_TYPES = ['text', 'image', 'video', 'audio', 'document'] as const;
export type CampaignMediaType = (typeof CAMPAIGN_MEDIA_TYPES)[number];

/** Clock skew between the CRM and this host: a start time this little in the past means "now". */
export const SCHEDULE_GRACE_MS = 30_000;
const MAX_SCHEDULE_AHEAD_MS = 366 * 86_400_000;
const MAX_RATE_LIMIT_MS = 3_600_000;

const nullish = <T extends z.ZodTypeAny>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const addBroadcastSchema = z
  .object({
    instanceId: z.string().regex(INSTANCE_ID_RE, 'letters, digits, _ and - only (max 64)'),
    campaignId: nullish(z.string().regex(CAMPAIGN_ID_RE, 'letters, digits, _ . - only (max 128)')),
    contacts: z.array(z.unknown()).min(1, 'must contain at least one contact'),
    message: nullish(z.string().max(65536)),
    mediaType: nullish(z.enum(CAMPAIGN_MEDIA_TYPES)),
    mediaUrl: nullish(httpUrlSchema),
    fileName: nullish(z.string().min(1).max(255)),
    mimetype: nullish(z.string().regex(/^[\w.+-]+\/[\w.+-]+/, 'must be a MIME type like image/jpeg').max(255)),
    scheduledFor: nullish(z.string().max(64)),
    rateLimitMs: nullish(z.number().int('must be a whole number of milliseconds').min(0, 'must not be negative').max(MAX_RATE_LIMIT_MS)),
    /** look each phone up before its send; one not on WhatsApp fails not_on_whatsapp, the campaign goes on */
    checkNumbers: nullish(z.boolean()),
    /** Messenger instances: messaging_type (RESPONSE, UPDATE, MESSAGE_TAG) and the message tag */
    messagingType: nullish(z.enum(['RESPONSE', 'UPDATE', 'MESSAGE_TAG'])),
    tag: nullish(z.string().regex(/^[A-Z_]{3,64}$/, 'a Messenger message tag like ACCOUNT_UPDATE')),
  })
  .superRefine((body, ctx) => {
    const type = body.mediaType ?? 'text';
    if (type === 'text') {
      if (!body.message?.trim()) ctx.addIssue({ code: 'custom', path: ['message'], message: 'is required for a text campaign' });
      if (body.mediaUrl) ctx.addIssue({ code: 'custom', path: ['mediaType'], message: 'must be image, video, audio or document when mediaUrl is set' });
    } else if (!body.mediaUrl) {
      ctx.addIssue({ code: 'custom', path: ['mediaUrl'], message: `is required for mediaType ${type}` });
    }
  });

export type AddBroadcastBody = z.infer<typeof addBroadcastSchema>;

/**
 * scheduledFor: an ISO 8601 time with a zone (Z or +hh:mm), not in the past (beyond the grace),
 * at most a year ahead. Returns the start time in ms, or undefined for "at once".
 */
export function parseScheduledFor(value: string | undefined, now = Date.now()): { at?: number; error?: string } {
  if (value === undefined || value === '') return {};
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    return { error: 'must be an ISO 8601 time with a zone, like 2025-08-29T15:00:00Z' };
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) return { error: 'is not a valid time' };
  if (at < now - SCHEDULE_GRACE_MS) return { error: `is in the past (${value}); omit it to start at once` };
  if (at > now + MAX_SCHEDULE_AHEAD_MS) return { error: 'is more than a year ahead' };
  return { at: at > now ? at : undefined };
}
