import { createHash } from 'node:crypto';
import type { SendContent } from '../channels/content';

/**
 * The key of "the same rendered text" for identical-content spreading: a hash of what the
 * recipient sees (type, text or caption, media URL). A template with a variable renders a
 * different text per contact, so it never collects a crowd. Reactions, edits and deletes have no
 * key: they change a message the chat already has.
 */
export function contentKey(content: SendContent | undefined): string | undefined {
  if (!content || content.type === 'reaction' || followsUp(content)) return undefined;
  const c = content as { text?: string; caption?: string; url?: string; latitude?: number; longitude?: number; displayName?: string };
  const seen = [content.type, c.text ?? c.caption ?? '', c.url ?? '', c.latitude ?? '', c.longitude ?? '', c.displayName ?? ''].join('\u0000');
  return createHash('sha1').update(seen).digest('hex');
}

/**
 * An edit or a delete-for-everyone changes a message this number already sent to the chat: it opens
 * no chat, so it is never a new chat (no new-chat cap, no reachout timelock hold), whatever the
 * recipient did. It still counts in the minute, hour and day windows like every send.
 */
export function followsUp(content: SendContent | undefined): boolean {
  return content?.type === 'edit' || content?.type === 'delete';
}
