import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import type { MessageReceivedData } from '../events/message-data';
import { canonicalRecipient, parseWaAddress, WaAddress } from './address';

/**
 * "A chat that wrote to us": one Redis sorted set per instance (keys.inboundChats), fed by every
 * 1:1 'message.received' in whatsapp-server. Members are the chat's canonical addresses, every one
 * the event knew (phone digits and the LID jid: a contact that wrote from its LID is recognised
 * when the CRM answers to its number, and the other way round); the score is the time of the last
 * inbound message (ms). Members older than MESSAGE_RETENTION_DAYS are trimmed on each write and the
 * whole set expires with the retention.
 *
 * Why it matters: WhatsApp's reachout timelock forbids starting new chats but lets existing ones
 * go on (established chats carry a privacy token, lib/Socket/messages-recv.js:1514-1518), so
 * while a lock runs a send to a chat in this set is a reply and goes out; any other is held.
 */
export class InboundChats {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly retentionMs: number) {}

  /** Remembers the chat of an inbound 1:1 message; groups and our own messages are ignored. */
  async record(instanceId: string, data: Pick<MessageReceivedData, 'isGroup' | 'fromMe' | 'chatId' | 'from' | 'fromLid' | 'lid'>, now = Date.now()): Promise<number> {
    if (data.isGroup || data.fromMe) return 0;
    const members = new Set<string>();
    for (const v of [data.from, data.fromLid, data.lid, data.chatId]) {
      const c = v ? canonicalRecipient(v) : undefined;
      if (c && !c.endsWith('@g.us')) members.add(c);
    }
    if (!members.size) return 0;
    const key = this.keys.inboundChats(instanceId);
    const args = [...members].flatMap((m) => [now, m]);
    await this.redis.multi().zadd(key, ...args).zremrangebyscore(key, '-inf', now - this.retentionMs).pexpire(key, this.retentionMs).exec();
    return members.size;
  }

  /** True when this recipient (canonical string or parsed) wrote to us within the retention; a group always counts. */
  async wroteToUs(instanceId: string, to: string | WaAddress, now = Date.now()): Promise<boolean> {
    const address = typeof to === 'string' ? parseWaAddress(to) : to;
    if (!address) return false;
    // a group is never a "new chat": the timelock is about starting 1:1 conversations
    if (address.kind === 'group') return true;
    const member = address.kind === 'pn' ? address.phone : address.jid;
    const score = await this.redis.zscore(this.keys.inboundChats(instanceId), member);
    return score !== null && Number(score) >= now - this.retentionMs;
  }
}
