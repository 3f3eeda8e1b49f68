/**
 * The data of message events (docs/events.md and docs/api.md describe each field). Fields the
 * sandbox driver cannot know are optional; it adds `sandbox: true`.
 */

/** Who a message is from: both identities where WhatsApp told us both (docs/events.md, Identifiers). */
export interface SenderData {
  messageId: string;
  chatId: string;
  isGroup: boolean;
  fromMe: boolean;
  from: string | null;
  fromJid: string;
  fromLid: string | null;
  /** the sender's LID when known (equals fromLid; with chatId and from, what every message event carries) */
  lid: string | null;
  participant: string | null;
  participantLid?: string | null;
  pushName: string | null;
  timestamp: number;
  sandbox?: true;
}

export type ReceivedType = 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'reaction' | 'other';

export interface ReceivedMedia {
  mimetype: string | null;
  size: number | null;
  caption?: string | null;
  fileName: string | null;
  seconds?: number | null;
  ptt?: boolean | null;
  downloadPath: string;
}

export interface ContactCard {
  displayName: string | null;
  vcard: string | null;
  phones: string[];
}

export interface MessageReceivedData extends SenderData {
  type: ReceivedType;
  contentType?: string;
  text: string | null;
  media: ReceivedMedia | null;
  location?: { latitude: number | null; longitude: number | null; name: string | null; address: string | null; live: boolean } | null;
  contact?: { displayName: string | null; contacts: ContactCard[] } | null;
  reaction?: { emoji: string; targetId: string | null; targetFromMe: boolean; removed: boolean } | null;
  quotedId?: string | null;
  mentions?: string[];
  offline?: boolean;
}

export interface MessageUndecryptableData extends SenderData {
  error: string;
  offline: boolean;
}

/** WhatsApp's delivery states of a message this number sent. */
export type DeliveryStatus = 'error' | 'server_ack' | 'delivered' | 'read' | 'played';

export interface MessageStatusData {
  messageId: string;
  waMessageId: string;
  chatId: string;
  /** the chat's LID when known (1:1; null in groups) */
  lid?: string | null;
  fromMe: true;
  status: DeliveryStatus;
  participant?: string | null;
  participantLid?: string | null;
  timestamp: number;
  error?: string | null;
  sandbox?: true;
}

export interface MessageSentData {
  messageId: string;
  to: string;
  jid: string;
  waMessageId: string;
  type: string;
  attempts: number;
  sentAt: string;
}

export interface MessageFailedData {
  messageId: string;
  to: string;
  type: string;
  error: { code: string; message: string };
  attempts: number;
  failedAt: string;
  /** true when WhatsApp rejected the message after the send had resolved (an error ack) */
  late?: boolean;
  /** with late: our code and WhatsApp's (`{ code: 'reachout_timelocked', waCode: '463' }`) */
  reason?: { code: string; waCode: string };
}
