// The stand-in's devices answer the client's retry receipts the way a sender does, so a message the
// client could not decrypt (lost session, Bad MAC) arrives again and decrypts.
//
// What the client sends: Socket/messages-recv.js:387-516 sendRetryRequest, <receipt id to=<sender>
// type=retry> with <retry count>, <registration> and, from the second try, <keys> (a bundle).
// What a sender does with it: rc14's own sendMessagesAgain (messages-recv.js:1040-1158): a session
// from the receipt's bundle (:1077-1084, Utils/signal.js:59-99 extractE2ESessionFromRetryReceipt) or
// a fresh one from the recipient's published bundle (:1132-1134 assertSessions force), then the same
// message, same id, in one <enc count> (Socket/messages-send.js:670-721); a group message carries the
// sender key distribution message again (:673-697).
import { extractE2ESessionFromRetryReceipt, getBinaryNodeChild } from '@whiskeysockets/baileys';

/** Remembers an encrypted push so a retry receipt for it can be answered. */
export function rememberPush(conn, pushed) {
  conn.server.pushed.set(`${conn.device}|${pushed.attrs.id}`, pushed);
}

/** The resend for a client's retry receipt, or undefined when the stand-in did not push that id. */
export async function resendFor(conn, receipt) {
  const pushed = conn.server.pushed.get(`${conn.device}|${receipt.attrs.id}`);
  if (!pushed) return undefined;
  const signal = conn.server.signal;
  const count = getBinaryNodeChild(receipt, 'retry')?.attrs.count ?? '1';
  await signal.renewSession(pushed.sender, conn.device, extractE2ESessionFromRetryReceipt(receipt) ?? undefined);
  let message = pushed.content;
  if (pushed.group) {
    const skdm = await signal.senderKeyDistribution(pushed.sender, pushed.group);
    message = { ...message, senderKeyDistributionMessage: { groupId: pushed.group, axolotlSenderKeyDistributionMessage: skdm } };
  }
  const enc = await conn.encryptFrom(pushed.sender, message);
  enc.attrs.count = count;
  conn.server.emit('retry-resend', { id: receipt.attrs.id, count: Number(count), connection: conn.index });
  return { tag: 'message', attrs: pushed.attrs, content: [enc] };
}
