/**
 * Facebook's webhook (object "page") as our events, so the CRM's edge functions get Messenger
 * traffic in the shapes they already read (docs/events.md): messages -> message.received (echoes
 * of our own sends are fromMe), deliveries -> message.status delivered for each mid, reads ->
 * message.status read for every message sent to that person up to the watermark (a read
 * carries no mids). Payload reference: developers.facebook.com/docs/messenger-platform/webhooks.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { AnyEventInput } from '../events/envelope';
import type { MessageReceivedData, ReceivedType } from '../events/message-data';

interface Messaging {
  sender?: { id?: string };
  recipient?: { id?: string };
  timestamp?: number;
  message?: { mid?: string; text?: string; is_echo?: boolean; quick_reply?: { payload?: string }; attachments?: Array<{ type?: string; payload?: { url?: string } }> };
  delivery?: { mids?: string[]; watermark?: number };
  read?: { watermark?: number };
}

export interface PageWebhook {
  object?: string;
  entry?: Array<{ id?: string; time?: number; messaging?: Messaging[] }>;
}

export interface InboundDeps {
  redis: Redis;
  keys: RedisKeys;
  /** page id -> instance id (CredentialStore.instanceOf) */
  instanceOf: (pageId: string) => Promise<string | null>;
}

const TYPES: Record<string, ReceivedType> = { image: 'image', video: 'video', audio: 'audio', file: 'document', location: 'location' };

/** The events one webhook POST stands for (unknown pages and entries are skipped). */
export async function inboundEvents(deps: InboundDeps, body: PageWebhook): Promise<AnyEventInput[]> {
  if (body.object !== 'page' || !Array.isArray(body.entry)) return [];
  const out: AnyEventInput[] = [];
  for (const entry of body.entry) {
    const instanceId = entry.id ? await deps.instanceOf(entry.id) : null;
    if (!instanceId) continue;
    for (const m of entry.messaging ?? []) {
      if (m.message?.mid) out.push(received(instanceId, m));
      else if (m.delivery) out.push(...(await delivered(deps, instanceId, m)));
      else if (m.read) out.push(...(await read(deps, instanceId, m)));
    }
  }
  return out;
}

function received(instanceId: string, m: Messaging): AnyEventInput {
  const msg = m.message!;
  const echo = msg.is_echo === true;
  // an echo is the page's own message: the person is its recipient
  const person = (echo ? m.recipient?.id : m.sender?.id) ?? '';
  const att = msg.attachments?.[0];
  const type: ReceivedType = msg.text !== undefined && !att ? 'text' : (TYPES[att?.type ?? ''] ?? 'other');
  const data: MessageReceivedData = {
    messageId: msg.mid!,
    chatId: person,
    isGroup: false,
    fromMe: echo,
    from: person,
    fromJid: person,
    fromLid: null,
    lid: null,
    participant: null,
    pushName: null,
    timestamp: Math.floor((m.timestamp ?? Date.now()) / 1000),
    type,
    contentType: att?.type ?? 'text',
    text: msg.text ?? null,
    // Messenger media is fetched from its own CDN URL, not through this daemon
    media: att?.payload?.url ? { mimetype: null, size: null, fileName: null, downloadPath: att.payload.url } : null,
    ...(msg.quick_reply?.payload ? { quotedId: null, contentType: 'quick_reply', text: msg.text ?? msg.quick_reply.payload } : {}),
  };
  return { id: `msgr-${msg.mid}`, type: 'message.received', instanceId, data };
}

async function delivered(deps: InboundDeps, instanceId: string, m: Messaging): Promise<AnyEventInput[]> {
  const mids = m.delivery?.mids ?? [];
  if (!mids.length) return [];
  const ours = await deps.redis.mget(...mids.map((mid) => deps.keys.messengerMid(instanceId, mid)));
  return mids.map((mid, i) => status(instanceId, ours[i] ?? mid, mid, m.sender?.id ?? '', 'delivered', m.timestamp));
}

async function read(deps: InboundDeps, instanceId: string, m: Messaging): Promise<AnyEventInput[]> {
  const psid = m.sender?.id;
  const watermark = m.read?.watermark;
  if (!psid || !watermark) return [];
  const key = deps.keys.messengerRecent(instanceId, psid);
  const ids = await deps.redis.zrangebyscore(key, '-inf', watermark);
  if (ids.length) await deps.redis.zremrangebyscore(key, '-inf', watermark);
  return ids.map((id) => status(instanceId, id, id, psid, 'read', m.timestamp));
}

function status(instanceId: string, messageId: string, mid: string, psid: string, s: 'delivered' | 'read', at?: number): AnyEventInput {
  return {
    id: `msgr-${s}-${messageId}`,
    type: 'message.status',
    instanceId,
    data: { messageId, waMessageId: mid, chatId: psid, fromMe: true, status: s, timestamp: Math.floor((at ?? Date.now()) / 1000) },
  };
}
