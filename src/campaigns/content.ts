import type { SendContent } from '../channels/content';
import { renderTemplate, TemplateVars } from './template';
import type { CampaignRecord } from './types';

/**
 * The content one recipient gets: the message rendered with the contact's variables, as the text
 * or as the media caption (audio carries no caption, so the message is not sent with audio).
 * Returns a reason instead when the rendered text is empty (a template made only of variables the
 * contact does not have): that recipient fails with the reason rather than getting a blank message.
 */
export function campaignContent(record: Pick<CampaignRecord, 'message' | 'mediaType' | 'mediaUrl' | 'fileName' | 'mimetype' | 'templated' | 'messagingType' | 'tag'>, vars: TemplateVars | undefined): SendContent | { error: string } {
  const content = baseContent(record, vars);
  if ('error' in content || (!record.messagingType && !record.tag)) return content;
  return { ...content, messenger: { messagingType: record.messagingType, tag: record.tag } };
}

function baseContent(record: Pick<CampaignRecord, 'message' | 'mediaType' | 'mediaUrl' | 'fileName' | 'mimetype' | 'templated'>, vars: TemplateVars | undefined): SendContent | { error: string } {
  const raw = record.message ?? '';
  const text = record.templated ? renderTemplate(raw, vars) : raw;
  const caption = text.trim() ? text : undefined;
  const url = record.mediaUrl ?? '';
  const mimetype = record.mimetype;
  switch (record.mediaType) {
    case 'text':
      return caption ? { type: 'text', text } : { error: 'message is empty for this contact (template variables missing)' };
    case 'image':
      return { type: 'image', url, caption, mimetype };
    case 'video':
      return { type: 'video', url, caption, mimetype };
    case 'audio':
      return { type: 'audio', url, mimetype };
    case 'document':
      return { type: 'document', url, caption, mimetype, fileName: record.fileName };
  }
}
