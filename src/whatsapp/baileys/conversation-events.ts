/**
 * Messages that act on another message -> 'message.edited', 'message.deleted', 'message.reaction',
 * 'poll.vote' (docs/events.md). All four arrive in messages.upsert as their own messages, and are
 * read there rather than from what Baileys derives from them (processMessage's messages.update for
 * edits and revokes, Utils/process-message.js:298-308 and :364-381; messages.reaction, :411-422):
 * the upsert keeps the act's own id, sender and pushName, and it cannot be absorbed into the
 * upsert of its target when both land in one buffered batch (Utils/event-buffer.js:425-438 merges
 * a messages.update into a pending upsert of the same key; an offline edit would vanish).
 * - edit: protocolMessage type MESSAGE_EDIT with editedMessage (the new content), key = the target
 *   (process-message.js:365-380; the whole act may come wrapped in editedMessage, which
 *   normalizeMessageContent unwraps, Utils/messages.js:638-661);
 * - revoke (delete for everyone): protocolMessage type REVOKE, key = the target from the revoker's
 *   perspective (process-message.js:298-308); key.fromMe false there = someone else's message, a
 *   group admin deleting it;
 * - reaction: reactionMessage; Baileys has already turned its key to our perspective
 *   (Utils/process-message.js:81-104 cleanMessage normaliseKey); an empty text takes it back;
 * - poll vote: pollUpdateMessage, decrypted in poll-votes.ts.
 */
import type { proto, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { Logger } from '../../shared/logger';
import type { MessageDeletedData, MessageEditedData, MessageReactionData, PollVoteData } from '../../events/conversation-data';
import type { SenderData } from '../../events/message-data';
import type { LidForPn, PnForLid } from './addressing';
import { resolveIdentity } from './addressing';
import { describeContent, senderOf } from './inbound';
import type { Baileys } from './loader';
import { countVote, decryptVote, PollVoteStore } from './poll-votes';

export interface ConversationContext {
  baileys: Baileys;
  instanceId: string;
  logger: Logger;
  pnForLid?: PnForLid;
  lidForPn?: LidForPn;
  /** this account's own JIDs (sock.user: PN with device, LID) */
  me?: () => { id?: string | null; lid?: string | null } | undefined;
  /** a message the store kept (the poll a vote is for) */
  getMessage?: (id: string) => Promise<WAMessage | undefined> | WAMessage | undefined;
  /** where poll votes are counted; without it votes are not reported */
  polls?: PollVoteStore;
}

export type ConversationEvent =
  | { type: 'message.edited'; data: MessageEditedData }
  | { type: 'message.deleted'; data: MessageDeletedData }
  | { type: 'message.reaction'; data: MessageReactionData }
  | { type: 'poll.vote'; data: PollVoteData };

/** Content keys this module reports (the rest of protocolMessage is not a conversation event). */
export function isConversationContent(content: proto.IMessage | undefined): boolean {
  return Boolean(content?.protocolMessage || content?.reactionMessage || content?.pollUpdateMessage);
}

/** The event an upserted message stands for, or undefined (other protocol traffic, unknown poll). */
export async function conversationEvent(ctx: ConversationContext, msg: WAMessage, offline: boolean): Promise<ConversationEvent | undefined> {
  const { baileys } = ctx;
  const content = baileys.normalizeMessageContent(msg.message ?? undefined);
  if (!content) return undefined;
  const sender = () => senderOf(baileys, msg, ctx.pnForLid, ctx.lidForPn);
  const p = content.protocolMessage;
  const T = baileys.proto.Message.ProtocolMessage.Type;
  if (p?.key?.id && p.type === T.MESSAGE_EDIT && p.editedMessage) {
    const base = await sender();
    // the edit's own time when it says (Utils/process-message.js:375-377)
    const ts = p.timestampMs ? Math.floor(Number(baileys.toNumber(p.timestampMs)) / 1000) : base.timestamp;
    // only the author edits: the target is ours exactly when the edit is
    const data: MessageEditedData = { ...base, timestamp: ts, targetId: p.key.id, targetFromMe: base.fromMe, offline, ...describeContent(baileys, p.editedMessage) };
    return { type: 'message.edited', data };
  }
  if (p?.key?.id && p.type === T.REVOKE) {
    const base = await sender();
    const byAdmin = p.key.fromMe === false;
    const targetFromMe = base.fromMe ? p.key.fromMe !== false : byAdmin && isMe(ctx, p.key.participant ?? p.key.remoteJid);
    return { type: 'message.deleted', data: { ...base, targetId: p.key.id, targetFromMe, byAdmin, offline } };
  }
  const r = content.reactionMessage;
  if (r?.key?.id) {
    const data: MessageReactionData = { ...(await sender()), targetId: r.key.id, targetFromMe: r.key.fromMe === true, emoji: r.text ?? '', removed: !r.text, offline };
    return { type: 'message.reaction', data };
  }
  const u = content.pollUpdateMessage;
  if (u?.pollCreationMessageKey?.id && u.vote) return pollVote(ctx, msg, u, await sender(), offline);
  return undefined;
}

async function pollVote(ctx: ConversationContext, msg: WAMessage, u: proto.Message.IPollUpdateMessage, base: SenderData, offline: boolean): Promise<ConversationEvent | undefined> {
  const { baileys } = ctx;
  const pollKey = u.pollCreationMessageKey!;
  const pollId = pollKey.id!;
  const pollMsg = await ctx.getMessage?.(pollId);
  // the key derivation's input (process-message.js:586 `pollMsg.messageContextInfo?.messageSecret`)
  const secret = pollMsg?.message?.messageContextInfo?.messageSecret;
  if (!ctx.polls || !pollMsg || !secret) {
    ctx.logger.warn('poll vote for a poll this instance does not know: not reported', { instanceId: ctx.instanceId, pollId, messageId: base.messageId });
    return undefined;
  }
  const me = meJids(ctx);
  // the poll's author and the voter, each in every form known (poll-votes.ts decryptVote)
  const creators = pollKey.fromMe ? me : await forms(ctx, pollKey.participant ?? pollMsg.key?.participant ?? pollKey.remoteJid, pollMsg.key?.participantAlt ?? pollMsg.key?.remoteJidAlt);
  const voters = msg.key.fromMe ? me : [base.fromJid, base.lid].filter((j): j is string => Boolean(j));
  const selected = decryptVote(baileys, u.vote!, { id: pollId, secret, creators }, voters);
  if (!selected) {
    ctx.logger.warn('poll vote could not be decrypted: not reported', { instanceId: ctx.instanceId, pollId, messageId: base.messageId });
    return undefined;
  }
  const voter = voters[0];
  const counted = await countVote(baileys, ctx.polls, ctx.instanceId, pollMsg, pollId, voter, selected);
  return { type: 'poll.vote', data: { ...base, targetId: pollId, targetFromMe: pollKey.fromMe === true, offline, ...counted } };
}

/** Our own JIDs without device: PN first (what Baileys' getKeyAuthor uses for us, generics.js:33), then LID. */
function meJids(ctx: ConversationContext): string[] {
  const me = ctx.me?.();
  return [me?.id, me?.lid].filter((j): j is string => Boolean(j)).map((j) => ctx.baileys.jidNormalizedUser(j));
}

function isMe(ctx: ConversationContext, jid: string | null | undefined): boolean {
  return Boolean(jid) && meJids(ctx).some((m) => ctx.baileys.areJidsSameUser(m, jid!));
}

async function forms(ctx: ConversationContext, jid: string | null | undefined, alt: string | null | undefined): Promise<string[]> {
  const who = await resolveIdentity(ctx.baileys, jid, alt, ctx.pnForLid);
  let lid = who.lid;
  if (!lid && who.pnJid && ctx.lidForPn) lid = await ctx.lidForPn(who.pnJid).catch(() => null);
  return [...new Set([who.pnJid, lid, who.jid].filter((j): j is string => Boolean(j)))];
}
