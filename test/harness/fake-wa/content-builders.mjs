// Message contents (proto.IMessage objects) WhatsApp delivers when a contact, or the account's own
// phone, acts on an earlier message: an edit, a delete for everyone, a reaction, a poll vote. Push
// them with `conn.pushMessage({ from, message: <content> })`. Each is shaped as Baileys rc14 builds
// the same act when it sends it (node_modules/@whiskeysockets/baileys/lib), which is what its
// receiving side reads back:
// - edit: Utils/messages.js:514-522 (`message.edit`): protocolMessage { key, editedMessage,
//   timestampMs, type: MESSAGE_EDIT }; read by Utils/process-message.js:364-381;
// - revoke: Utils/messages.js:328-333 (`message.delete`): protocolMessage { key, type: REVOKE };
//   read by Utils/process-message.js:298-308;
// - reaction: Utils/messages.js:322-327 (`message.react`): reactionMessage { key, text,
//   senderTimestampMs }; read by Utils/process-message.js:411-422, key flipped to the receiver's
//   perspective by cleanMessage (:81-104);
// - poll vote: pollUpdateMessage { pollCreationMessageKey, vote: { encPayload, encIv },
//   senderTimestampMs }, the vote encrypted as Utils/process-message.js:146-163 decryptPollVote
//   decrypts it (below).
// Keys are from the SENDER's perspective, as the sender's client writes them: `fromMe` is "the
// target is the sender's own message" and remoteJid the chat as the sender names it (in a 1:1 chat
// with the account: the account's jid).
import { randomBytes } from 'node:crypto';
import { aesEncryptGCM, hmacSign, proto, sha256 } from '@whiskeysockets/baileys';

const T = proto.Message.ProtocolMessage.Type;

/** The sender edits their own message `targetId` (in the chat `chat`, as they name it) to `text`. */
export function editContent({ targetId, chat, text, timestampMs = Date.now() }) {
  return {
    protocolMessage: {
      key: { remoteJid: chat, fromMe: true, id: targetId },
      type: T.MESSAGE_EDIT,
      editedMessage: { conversation: text },
      timestampMs,
    },
  };
}

/**
 * The sender deletes `targetId` for everyone: their own message (fromMe true, default), or, as a
 * group admin, someone else's (fromMe false and participant = its author).
 */
export function revokeContent({ targetId, chat, fromMe = true, participant }) {
  const key = { remoteJid: chat, fromMe, id: targetId };
  if (participant) key.participant = participant;
  return { protocolMessage: { key, type: T.REVOKE } };
}

/**
 * A reaction to `targetId`; emoji '' takes a reaction back. targetFromSender: the target is the
 * reacting sender's own message; otherwise its author is `participant` (groups) or the other side
 * of the chat (1:1, remoteJid = the account's jid: cleanMessage turns that into fromMe for the
 * account, Utils/process-message.js:87-96).
 */
export function reactionContent({ targetId, chat, emoji, targetFromSender = false, participant, senderTimestampMs = Date.now() }) {
  const key = { remoteJid: chat, fromMe: targetFromSender, id: targetId };
  if (participant) key.participant = participant;
  return { reactionMessage: { key, text: emoji, senderTimestampMs } };
}

/** SHA-256 of an option name: what a vote carries (Utils/messages.js:763, getAggregateVotesInPollMessage). */
export const optionHash = (name) => sha256(Buffer.from(name));

/**
 * A vote for `options` (names) in poll `pollId`, encrypted with the poll's messageSecret exactly
 * as Utils/process-message.js:146-163 decryptPollVote undoes it:
 *   sign   = pollMsgId | pollCreatorJid | voterJid | 'Poll Vote' | 0x01          (:147-153)
 *   key0   = HMAC-SHA256(key = 32 zero bytes, data = pollEncKey)                   (:154; hmacSign(data, key), Utils/crypto.js:92-94)
 *   decKey = HMAC-SHA256(key = key0, data = sign)                                  (:155)
 *   aad    = `${pollMsgId}\0${voterJid}`                                           (:156)
 *   encPayload = AES-256-GCM(PollVoteMessage { selectedOptions }, decKey, encIv, aad) with the
 *   16-byte tag appended (:157 aesDecryptGCM, Utils/crypto.js:44-61), decoded as PollVoteMessage (:158).
 * pollCreatorJid and voterJid are device-less JIDs (Baileys' decrypting side used getKeyAuthor, a
 * normalised jid, process-message.js:583-585 of the rc14 source). chat is the poll's chat as the
 * voter names it (the account's jid in a 1:1 chat); creatorIsVoter: the voter votes in their own poll.
 * options [] takes the vote back.
 */
export function pollVoteContent({ pollId, chat, secret, pollCreatorJid, voterJid, options, creatorIsVoter = false, participant, iv = randomBytes(12), senderTimestampMs = Date.now() }) {
  const sign = Buffer.concat([Buffer.from(pollId), Buffer.from(pollCreatorJid), Buffer.from(voterJid), Buffer.from('Poll Vote'), new Uint8Array([1])]);
  const key0 = hmacSign(Buffer.from(secret), new Uint8Array(32), 'sha256');
  const encKey = hmacSign(sign, key0, 'sha256');
  const aad = Buffer.from(`${pollId}\u0000${voterJid}`);
  const plain = proto.Message.PollVoteMessage.encode({ selectedOptions: options.map(optionHash) }).finish();
  const encPayload = aesEncryptGCM(plain, encKey, iv, aad);
  const key = { remoteJid: chat, fromMe: creatorIsVoter, id: pollId };
  if (participant) key.participant = participant;
  return { pollUpdateMessage: { pollCreationMessageKey: key, vote: { encPayload, encIv: iv }, senderTimestampMs } };
}
