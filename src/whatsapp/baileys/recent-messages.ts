/**
 * The only messages this process keeps: the last N (WA_RECENT_MESSAGES, per instance) received or
 * sent, trimmed to what is needed to download their media later (media key, direct path, mimetype,
 * size), to quote them, and to answer Baileys' getMessage when a recipient's device asks for a
 * resend. Thumbnails and nested quotes are dropped; media bytes are never held.
 */
import type { proto, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { BoundedCache } from './bounded-cache';
import { contentOf } from './inbound';
import type { Baileys } from './loader';

export class RecentMessages {
  private readonly cache: BoundedCache<WAMessage>;

  constructor(
    private readonly baileys: Baileys,
    size: number,
  ) {
    this.cache = new BoundedCache<WAMessage>(Math.max(0, size));
  }

  remember(msg: WAMessage): void {
    const id = msg.key?.id;
    const found = contentOf(this.baileys, msg);
    if (!id || !found) return;
    const inner = (found.content as Record<string, unknown>)[found.key];
    let slim: unknown = inner;
    if (typeof inner === 'object' && inner) {
      const { jpegThumbnail: _t, contextInfo: _c, ...rest } = inner as Record<string, unknown>;
      slim = rest;
    }
    this.cache.set(id, {
      key: { ...msg.key },
      message: { [found.key]: slim } as proto.IMessage,
      messageTimestamp: msg.messageTimestamp,
      pushName: msg.pushName,
    } as WAMessage);
  }

  get(id: string): WAMessage | undefined {
    return this.cache.get(id);
  }

  clear(): void {
    this.cache.flushAll();
  }

  get size(): number {
    return this.cache.size;
  }
}
