/**
 * messages.upsert / messages.update / message-receipt.update -> our events. One failing message
 * is logged and skipped; the rest of the batch still goes out.
 * - 'message.received': messages from others with content, in 'notify' (live) batches and in
 *   'append' batches too (messages queued on the server while this instance was offline arrive as
 *   'append'; dropping them would lose them silently); `offline: true` marks those.
 * - 'message.undecryptable': Baileys' CIPHERTEXT stubs ("Bad MAC", "No session"...), never dropped;
 *   the real content may follow later under the same id as a 'message.received'.
 * - 'message.status': delivery states of our own sends (receipts.ts).
 */
import type { BaileysEventMap, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Logger } from '../../shared/logger';
import type { PnForLid } from './addressing';
import { ignoredChat, receivedData, undecryptableData } from './inbound';
import type { Baileys } from './loader';
import { statusFromOwnUpsert, statusFromReceipt, statusFromUpdate } from './receipts';
import type { RecentMessages } from './recent-messages';
import type { SessionCaches } from './socket-config';
import type { SessionState } from './session-state';
import type { RestrictionTracker } from '../restriction/tracker';
import { capSignal } from './restriction-events';

export interface MessageEventContext {
  baileys: Baileys;
  instanceId: string;
  state: SessionState;
  recent: RecentMessages;
  caches: SessionCaches;
  logger: Logger;
  pnForLid?: PnForLid;
  /** the session's restriction state ('message-capping.update' feeds its new-chat cap) */
  restriction?: RestrictionTracker;
}

export async function handleMessageEvents(ctx: MessageEventContext, events: Partial<BaileysEventMap>): Promise<void> {
  const upsert = events['messages.upsert'];
  if (upsert) {
    for (const msg of upsert.messages ?? []) await guarded(ctx, 'messages.upsert', () => onMessage(ctx, msg, upsert.type !== 'notify'));
  }
  for (const u of events['messages.update'] ?? []) {
    await guarded(ctx, 'messages.update', async () => {
      const data = await statusFromUpdate(ctx.baileys, u, ctx.pnForLid);
      if (data) ctx.state.emit('message.status', data);
    });
  }
  for (const r of events['message-receipt.update'] ?? []) {
    await guarded(ctx, 'message-receipt.update', async () => {
      const data = await statusFromReceipt(ctx.baileys, r, ctx.pnForLid);
      if (data) ctx.state.emit('message.status', data);
    });
  }
  // WhatsApp's new-chat cap (lib/Socket/messages-recv.js:183-191): not awaited, the tracker keeps order
  const cap = events['message-capping.update'];
  if (cap && ctx.restriction) void ctx.restriction.signal(capSignal(cap));
  // Group metadata changes make the cached copy stale (participants decide who gets the keys).
  for (const g of events['groups.update'] ?? []) if (g.id) ctx.caches.groups.del(g.id);
  for (const g of events['groups.upsert'] ?? []) if (g.id) ctx.caches.groups.del(g.id);
  const participants = events['group-participants.update'];
  if (participants?.id) ctx.caches.groups.del(participants.id);
}

async function onMessage(ctx: MessageEventContext, msg: WAMessage, offline: boolean): Promise<void> {
  const { baileys } = ctx;
  if (!msg.key || ignoredChat(baileys, msg.key.remoteJid)) return;
  if (msg.key.fromMe) {
    const rejected = await statusFromOwnUpsert(baileys, msg, ctx.pnForLid);
    if (rejected) ctx.state.emit('message.status', rejected);
    return;
  }
  if (msg.messageStubType === baileys.WAMessageStubType.CIPHERTEXT) {
    ctx.state.emit('message.undecryptable', await undecryptableData(baileys, msg, offline, ctx.pnForLid));
    return;
  }
  const data = await receivedData(baileys, ctx.instanceId, msg, offline, ctx.pnForLid);
  if (!data) return; // other stubs (group changes, missed calls) and protocol traffic
  ctx.recent.remember(msg);
  ctx.state.emit('message.received', data);
}

async function guarded(ctx: MessageEventContext, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.logger.error('baileys event handling failed', { instanceId: ctx.instanceId, event: what, error: (err as Error).message });
  }
}
