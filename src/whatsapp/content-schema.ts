/**
 * Zod schemas of what the session layer can send (SendContent in types.ts), shared by every route
 * that accepts content (internal send, add-message, broadcasts) so all of them refuse the same bad
 * input with the same 400.
 */
import { z } from 'zod';
import type { SendContent } from '../channels/content';

/** Media is always fetched by URL; only http(s) makes sense (no file:, data:, ftp:). */
export const httpUrlSchema = z
  .string()
  .max(4096)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

// WhatsApp accepts about 65k characters in a text; longer is a caller error, not a failed send.
const text = z.string().min(1).max(65536);
const caption = z.string().max(65536).optional();
const mimetype = z.string().regex(/^[\w.+-]+\/[\w.+-]+/, 'must be a MIME type like image/jpeg').max(255).optional();
const mentions = z.array(z.string().min(1).max(64)).max(1024).optional();
const quotedId = z.string().min(1).max(128).optional();

export const textContentSchema = z.object({ type: z.literal('text'), text, linkPreview: z.boolean().optional(), mentions, quotedId });
export const imageContentSchema = z.object({ type: z.literal('image'), url: httpUrlSchema, caption, mimetype, mentions, quotedId });
export const videoContentSchema = z.object({ type: z.literal('video'), url: httpUrlSchema, caption, mimetype, mentions, quotedId });
export const audioContentSchema = z.object({ type: z.literal('audio'), url: httpUrlSchema, ptt: z.boolean().optional(), mimetype, quotedId });
export const documentContentSchema = z.object({
  type: z.literal('document'),
  url: httpUrlSchema,
  fileName: z.string().min(1).max(255).optional(),
  mimetype,
  caption,
  quotedId,
});
export const locationContentSchema = z.object({
  type: z.literal('location'),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().max(1024).optional(),
  address: z.string().max(1024).optional(),
  quotedId,
});
export const contactContentSchema = z.object({
  type: z.literal('contact'),
  displayName: z.string().min(1).max(256),
  vcard: z.string().max(65536).optional(),
  phone: z.string().min(3).max(32).optional(),
  quotedId,
});
export const reactionContentSchema = z.object({
  type: z.literal('reaction'),
  // empty emoji removes a reaction
  emoji: z.string().max(32),
  targetId: z.string().min(1).max(128),
  targetFromMe: z.boolean().optional(),
  targetParticipant: z.string().max(128).optional(),
});

// Polls: WhatsApp's app offers 2 to 12 options, each named once (a vote is the hash of the option's
// name, Utils/process-message.js decryptPollVote, so two equal names could not be told apart).
const pollShape = {
  name: z.string().trim().min(1).max(255),
  options: z.array(z.string().trim().min(1, 'an option must not be empty').max(100)).min(2, 'a poll needs at least 2 options').max(12, 'a poll has at most 12 options'),
  // 1 = single choice (the default); 0 = any number of options (Utils/messages.js: selectableCount 0..values.length)
  selectableCount: z.number().int().min(0).default(1),
};
function checkPoll(p: { options: string[]; selectableCount: number }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  p.options.forEach((o, i) => {
    if (seen.has(o)) ctx.addIssue({ code: 'custom', path: ['options', i], message: `option "${o}" is given twice; options must be distinct` });
    seen.add(o);
  });
  if (p.selectableCount > p.options.length) {
    ctx.addIssue({ code: 'custom', path: ['selectableCount'], message: `must be 0 (any number) to ${p.options.length} (the number of options)` });
  }
}
/** add-message's `poll` field */
export const pollBodySchema = z.object(pollShape).superRefine(checkPoll);
export const pollContentSchema = z.object({ type: z.literal('poll'), ...pollShape, quotedId }).superRefine(checkPoll);
export const stickerContentSchema = z.object({ type: z.literal('sticker'), url: httpUrlSchema, quotedId });
const targetId = z.string().min(1).max(128);
/** add-message's `edit` and `delete` fields */
export const editBodySchema = z.object({ targetId, text });
export const deleteBodySchema = z.object({ targetId });
export const editContentSchema = z.object({ type: z.literal('edit'), ...editBodySchema.shape });
export const deleteContentSchema = z.object({ type: z.literal('delete'), ...deleteBodySchema.shape });

/** Any SendContent; the error names the field that is wrong for the given `type`. */
export const sendContentSchema: z.ZodType<SendContent> = z.discriminatedUnion('type', [
  textContentSchema,
  imageContentSchema,
  videoContentSchema,
  audioContentSchema,
  documentContentSchema,
  locationContentSchema,
  contactContentSchema,
  reactionContentSchema,
  pollContentSchema,
  stickerContentSchema,
  editContentSchema,
  deleteContentSchema,
]);

export const SEND_CONTENT_TYPES = ['text', 'image', 'video', 'audio', 'document', 'location', 'contact', 'reaction', 'poll', 'sticker', 'edit', 'delete'] as const;

/** The media types among SendContent (carry a url). */
export const MEDIA_CONTENT_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
