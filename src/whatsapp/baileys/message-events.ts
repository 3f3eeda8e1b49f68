/**
 * messages.upsert / messages.update / message-receipt.update -> our events. One failing message
 * is logged and skipped; the rest of the batch still goes out.
 * - 'message.received': messages with content, in 'notify' (live) batches and in
 *   'append' batches too (messages queued on the server while this instance was offline arrive as
 *   'append'; dropping them would lose them silently); `offline: true` marks those. Messages this
 *   number sent from the phone or another linked device come with `fromMe: true`; our own API
 *   sends are recognised by id (the send ledger's record, isOwnSend) and never reported again,
 *   even if Baileys echoed one (it does not: emitOwnEvents is false, socket-config.ts).
 * - 'message.edited', 'message.deleted', 'message.reaction', 'poll.vote': conversation-events.ts.
 * - 'message.undecryptable': Baileys' CIPHERTEXT stubs ("Bad MAC", "No session"...), never dropped;
 *   the real content may follow later under the same id as a 'message.received'.
 * - 'message.status': delivery states of our own sends (receipts.ts).
 */
import type { BaileysEventMap, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Logger } from '../../shared/logger';
import type { LidForPn, PnForLid } from './addressing';
import { conversationEvent, ConversationContext, isConversationContent } from './conversation-events';
import { ignoredChat, receivedData, undecryptableData } from './inbound';
import type { Baileys } from './loader';
import { statusFromOwnUpsert, statusFromReceipt, statusFromUpdate } from './receipts';
import type { MessageStore } from './message-store';
import type { SessionCaches } from './socket-config';
import type { SessionState } from './session-state';
import type { RestrictionTracker } from '../restriction/tracker';
import { capSignal } from './restriction-events';
import { dropStaleGroups } from './group-caches';

export interface MessageEventContext {
  baileys: Baileys;
  instanceId: string;
  state: SessionState;
  store: MessageStore;
  caches: SessionCaches;
  logger: Logger;
  pnForLid?: PnForLid;
  lidForPn?: LidForPn;
  /** true for a message id our API sent (send ledger); such a fromMe message is not reported again */
  isOwnSend?: (messageId: string) => Promise<boolean>;
  me?: ConversationContext['me'];
  polls?: ConversationContext['polls'];
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
  // Group metadata changes make the cached copies stale (participants decide who gets the keys; the
  // participating list answers GET /instance/:id/groups): group-caches.ts
  dropStaleGroups(ctx.caches, events);
}

async function onMessage(ctx: MessageEventContext, msg: WAMessage, offline: boolean): Promise<void> {
  const { baileys } = ctx;
  if (!msg.key || ignoredChat(baileys, msg.key.remoteJid)) return;
  if (msg.key.fromMe) {
    const rejected = await statusFromOwnUpsert(baileys, msg, ctx.pnForLid);
    if (rejected) ctx.state.emit('message.status', rejected);
    if (rejected || !msg.key.id || msg.messageStubType) return;
    if (await ctx.isOwnSend?.(msg.key.id)) return; // sent through our API: message.sent told it
  } else if (msg.messageStubType === baileys.WAMessageStubType.CIPHERTEXT) {
    ctx.state.emit('message.undecryptable', await undecryptableData(baileys, msg, offline, ctx.pnForLid));
    return;
  }
  if (isConversationContent(baileys.normalizeMessageContent(msg.message ?? undefined))) {
    const event = await conversationEvent(conversationContext(ctx), msg, offline);
    if (event) ctx.state.emit(event.type, event.data);
    return;
  }
  const data = await receivedData(baileys, ctx.instanceId, msg, offline, ctx.pnForLid, ctx.lidForPn);
  if (!data) return; // other stubs (group changes, missed calls) and protocol traffic
  await ctx.store.remember(msg); // before the event: a quote of it right after the webhook finds it
  ctx.state.emit('message.received', data);
}

function conversationContext(ctx: MessageEventContext): ConversationContext {
  const { baileys, instanceId, logger, pnForLid, lidForPn, me, polls } = ctx;
  return { baileys, instanceId, logger, pnForLid, lidForPn, me, polls, getMessage: (id) => ctx.store.get(id) };
}

async function guarded(ctx: MessageEventContext, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.logger.error('baileys event handling failed', { instanceId: ctx.instanceId, event: what, error: (err as Error).message });
  }
}
