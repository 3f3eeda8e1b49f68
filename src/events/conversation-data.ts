/**
 * The data of conversation events: what happens to messages after they arrived (docs/events.md).
 * Each carries the sender fields of message.received (SenderData: chatId, from, lid...), where
 * `messageId` is the id of the edit / revoke / reaction / vote itself and `targetId` the id of the
 * message it acts on (the one message.received or message.sent reported).
 */
import type { ReceivedType, SenderData } from './message-data';

interface TargetedData extends SenderData {
  /** id of the message this one acts on */
  targetId: string;
  /** true when the target is a message this number sent (through the API or from the phone) */
  targetFromMe: boolean;
  /** true when it was queued on WhatsApp's side while the instance was offline */
  offline: boolean;
}

export interface MessageEditedData extends TargetedData {
  /** the new content, as message.received types it */
  type: ReceivedType;
  contentType: string | null;
  /** the new text (or caption) */
  text: string | null;
}

export interface MessageDeletedData extends TargetedData {
  /** true when someone else than the author deleted it (a group admin) */
  byAdmin: boolean;
}

export interface MessageReactionData extends TargetedData {
  emoji: string;
  /** true (with an empty emoji) when the reaction was taken back */
  removed: boolean;
}

export interface PollTally {
  option: string;
  votes: number;
  /** the voters (PN JID, else LID JID) */
  voters: string[];
}

export interface PollVoteData extends TargetedData {
  /** the poll's question, when the poll is known to this instance */
  question: string | null;
  /** the options this voter has chosen now (empty: the vote was taken back) */
  options: string[];
  /** every option with its votes so far, as far as this instance saw the votes */
  tallies: PollTally[];
}
