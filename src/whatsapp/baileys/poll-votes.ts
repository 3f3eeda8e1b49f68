/**
 * Poll votes. A vote arrives as a pollUpdateMessage whose choice is encrypted with a key derived
 * from the poll creation message's messageContextInfo.messageSecret (Utils/process-message.js:146-163
 * decryptPollVote). Baileys rc14 no longer decrypts votes itself: the branch that did it, with
 * getMessage(pollCreationMessageKey), is commented out (Utils/process-message.js:576-621), so the
 * vote reaches us raw in messages.upsert and is decrypted here the same way, from the poll message
 * the message store kept. Each voter's latest choice is kept per poll in Redis (keys.pollVotes),
 * and the tallies are Baileys' own aggregation (Utils/messages.js:755-787 getAggregateVotesInPollMessage).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { proto, WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { RedisKeys } from '../../shared/keys';
import type { PollTally } from '../../events/conversation-data';
import type { Baileys } from './loader';

export interface PollVoteStore {
  redis: Redis;
  keys: RedisKeys;
  /** how long votes of a poll are kept after its last vote (MESSAGE_RETENTION_DAYS) */
  retentionMs: number;
}

export interface CountedVote {
  question: string | null;
  /** the options this voter chose (names) */
  options: string[];
  tallies: PollTally[];
}

type PollContent = proto.Message.IPollCreationMessage;

/** The poll creation content of a stored message (V1, V2, V3 are read alike: Utils/messages.js:756-759). */
export function pollOf(baileys: Baileys, msg: WAMessage | undefined): PollContent | undefined {
  const c = baileys.normalizeMessageContent(msg?.message ?? undefined);
  return c?.pollCreationMessage ?? c?.pollCreationMessageV2 ?? c?.pollCreationMessageV3 ?? undefined;
}

/**
 * The option hashes of an encrypted vote, or undefined when no candidate pair of identities opens it.
 * The JIDs that enter the key derivation are the poll creator's and the voter's (process-message.js:147-153);
 * which form a client used (phone JID or LID) depends on how the chat is addressed, so every known
 * form of each is tried: AES-GCM refuses a wrong key (Utils/crypto.js:53-61 aesDecryptGCM checks the tag), it never misreads.
 */
export function decryptVote(
  baileys: Baileys,
  vote: proto.Message.IPollEncValue,
  poll: { id: string; secret: Uint8Array; creators: string[] },
  voters: string[],
): Uint8Array[] | undefined {
  for (const pollCreatorJid of poll.creators) {
    for (const voterJid of voters) {
      try {
        const decrypted = baileys.decryptPollVote(vote, { pollCreatorJid, pollMsgId: poll.id, pollEncKey: poll.secret, voterJid });
        return decrypted.selectedOptions ?? [];
      } catch {
        // not this pair: try the next
      }
    }
  }
  return undefined;
}

/**
 * Records one voter's latest choice (an empty one takes the vote back, as
 * Utils/messages.js:733-741 updateMessageWithPollUpdate drops it) and counts the poll.
 */
export async function countVote(baileys: Baileys, store: PollVoteStore, instanceId: string, pollMsg: WAMessage, pollId: string, voter: string, selected: Uint8Array[]): Promise<CountedVote> {
  const key = store.keys.pollVotes(instanceId, pollId);
  const hashes = selected.map((h) => Buffer.from(h).toString('base64'));
  const tx = store.redis.multi();
  if (hashes.length) tx.hset(key, voter, JSON.stringify(hashes));
  else tx.hdel(key, voter);
  const replies = await tx.pexpire(key, store.retentionMs).hgetall(key).exec();
  const [err, all] = (replies?.[2] ?? [new Error('poll votes: no reply'), {}]) as [Error | null, Record<string, string>];
  if (err) throw err;
  const pollUpdates = Object.entries(all).map(([jid, json]) => ({
    // getKeyAuthor of a key that is not ours is its remoteJid (Utils/generics.js:33)
    pollUpdateMessageKey: { remoteJid: jid, fromMe: false },
    vote: { selectedOptions: (JSON.parse(json) as string[]).map((b) => Buffer.from(b, 'base64')) },
  }));
  const poll = pollOf(baileys, pollMsg);
  const content = baileys.normalizeMessageContent(pollMsg.message ?? undefined);
  const aggregated = baileys.getAggregateVotesInPollMessage({ message: content, pollUpdates } as Pick<WAMessage, 'message' | 'pollUpdates'>);
  const names = new Map((poll?.options ?? []).map((o) => [sha256Hex(o.optionName ?? ''), o.optionName ?? '']));
  return {
    question: poll?.name ?? null,
    options: selected.map((h) => names.get(Buffer.from(h).toString('hex')) ?? 'Unknown'),
    tallies: aggregated.map((a) => ({ option: a.name, votes: a.voters.length, voters: a.voters })),
  };
}

/** Option hashes are SHA-256 of the option name (Utils/messages.js:763 `sha256(Buffer.from(opt.optionName))`). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(Buffer.from(text)).digest('hex');
}
