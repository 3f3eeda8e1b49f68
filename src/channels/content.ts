/**
 * What a channel can send and what a send returns: domain types below the queue and channel
 * layers (queues, pacing, campaigns and every channel's sender use them). Media always by
 * http(s) URL; the channel's driver fetches it.
 */
export type SendContent = ContentBody & {
  /** Messenger's send options (messaging_type, tag, quick replies); other channels ignore them */
  messenger?: MessengerOptions;
};

/** Messenger requires a messaging_type; MESSAGE_TAG (with a tag) outside the 24-hour window. */
export interface MessengerOptions {
  messagingType?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
  tag?: string;
  quickReplies?: Array<{ title: string; payload: string; imageUrl?: string }>;
}

type ContentBody =
  | { type: 'text'; text: string; linkPreview?: boolean; mentions?: string[]; quotedId?: string }
  | { type: 'image'; url: string; caption?: string; mimetype?: string; mentions?: string[]; quotedId?: string }
  | { type: 'video'; url: string; caption?: string; mimetype?: string; mentions?: string[]; quotedId?: string }
  | { type: 'audio'; url: string; ptt?: boolean; mimetype?: string; quotedId?: string }
  | { type: 'document'; url: string; fileName?: string; mimetype?: string; caption?: string; quotedId?: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string; quotedId?: string }
  | { type: 'contact'; displayName: string; vcard?: string; phone?: string; quotedId?: string }
  | { type: 'reaction'; emoji: string; targetId: string; targetFromMe?: boolean; targetParticipant?: string }
  /** selectableCount: how many options one voter may tick (0 = any number); options are distinct */
  | { type: 'poll'; name: string; options: string[]; selectableCount: number; quotedId?: string }
  /** a WebP image shown as a sticker */
  | { type: 'sticker'; url: string; quotedId?: string }
  /** new text for a text message this number sent (WhatsApp lets the sender edit for about 15 minutes) */
  | { type: 'edit'; targetId: string; text: string }
  /** deletes for everyone a message this number sent */
  | { type: 'delete'; targetId: string };

export type SendContentType = SendContent['type'];

export interface SendResult {
  /** the channel's message id; for WhatsApp it equals the caller's messageId (drivers reuse it) */
  waMessageId: string;
  /** recipient address the message went to (WhatsApp: the JID) */
  jid: string;
  timestamp: number;
}
