import { createHash } from 'node:crypto';
import type { SendContent } from '../channels/content';

/**
 * The key of "the same rendered text" for identical-content spreading: a hash of what the
 * recipient sees (type, text or caption, media URL). A template with a variable renders a
 * different text per contact, so it never collects a crowd. Reactions have no key.
 */
export function contentKey(content: SendContent | undefined): string | undefined {
  if (!content || content.type === 'reaction') return undefined;
  const c = content as { text?: string; caption?: string; url?: string; latitude?: number; longitude?: number; displayName?: string };
  const seen = [content.type, c.text ?? c.caption ?? '', c.url ?? '', c.latitude ?? '', c.longitude ?? '', c.displayName ?? ''].join('\u0000');
  return createHash('sha1').update(seen).digest('hex');
}
