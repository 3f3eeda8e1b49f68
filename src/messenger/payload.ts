/**
 * SendContent as a Send API body (developers.facebook.com/docs/messenger-platform/reference/send-api):
 * text (with quick replies), image, video, audio and file attachments by URL, and the
 * messaging_type Messenger requires (RESPONSE by default; MESSAGE_TAG needs a tag).
 */
import { AppError } from '../shared/errors';
import type { SendContent } from '../channels/content';

const ATTACHMENT: Record<string, string> = { image: 'image', video: 'video', audio: 'audio', document: 'file' };

export function sendApiBody(psid: string, content: SendContent): Record<string, unknown> {
  const options = content.messenger ?? {};
  const messagingType = options.messagingType ?? (options.tag ? 'MESSAGE_TAG' : 'RESPONSE');
  if (messagingType === 'MESSAGE_TAG' && !options.tag) throw new AppError('validation_failed', 'messagingType MESSAGE_TAG needs a tag (e.g. ACCOUNT_UPDATE)', { field: 'tag' }, { retryable: false });
  const quickReplies = options.quickReplies?.map((q) => ({ content_type: 'text', title: q.title, payload: q.payload, ...(q.imageUrl ? { image_url: q.imageUrl } : {}) }));
  let message: Record<string, unknown>;
  if (content.type === 'text') message = { text: content.text };
  else if (ATTACHMENT[content.type] && 'url' in content) message = { attachment: { type: ATTACHMENT[content.type], payload: { url: content.url, is_reusable: true } } };
  else throw new AppError('validation_failed', `Messenger cannot send ${content.type} messages (text, image, video, audio, document only)`, undefined, { retryable: false });
  if (quickReplies?.length) message.quick_replies = quickReplies;
  return { recipient: { id: psid }, messaging_type: messagingType, ...(options.tag ? { tag: options.tag } : {}), message };
}

/** A Messenger recipient: a page-scoped id (PSID), digits only. */
export const PSID_RE = /^\d{5,32}$/;

export function parsePsid(input: unknown): string | undefined {
  const v = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  return PSID_RE.test(v) ? v : undefined;
}
