/**
 * Delivery states of messages this instance sent -> 'message.status' data. 1:1 chats report
 * through messages.update (`update.status`: WAMessageStatus ERROR 0, PENDING 1, SERVER_ACK 2,
 * DELIVERY_ACK 3, READ 4, PLAYED 5; an error ack carries the code in messageStubParameters[0]);
 * groups report per participant through message-receipt.update. The message id is the WhatsApp
 * id, which is our messageId (sends reuse it). Updates that are not about our own messages'
 * delivery (revokes, edits, poll votes, our other device reading someone's message) give nothing.
 */
import type { MessageUserReceiptUpdate, WAMessage, WAMessageUpdate } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { PnForLid, resolveIdentity } from './addressing';
import type { Baileys } from './loader';
import type { DeliveryStatus, MessageStatusData } from '../../events/message-data';


const BY_CODE: Record<number, DeliveryStatus | undefined> = { 0: 'error', 2: 'server_ack', 3: 'delivered', 4: 'read', 5: 'played' };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The chat of a receipt: its best id (PN JID when known) and, for 1:1 chats, its LID. */
async function chatOf(baileys: Baileys, jid: string | null | undefined, pnForLid?: PnForLid): Promise<{ chatId: string; lid: string | null }> {
  if (!jid) return { chatId: '', lid: null };
  if (baileys.isJidGroup(jid)) return { chatId: jid, lid: null };
  const who = await resolveIdentity(baileys, jid, undefined, pnForLid);
  return { chatId: who.jid, lid: who.lid };
}

export async function statusFromUpdate(baileys: Baileys, u: WAMessageUpdate, pnForLid?: PnForLid): Promise<MessageStatusData | undefined> {
  const code = u.update?.status;
  if (!u.key?.fromMe || !u.key.id || code == null) return undefined;
  const status = BY_CODE[code];
  if (!status) return undefined;
  const ts = Number(baileys.toNumber(u.update.messageTimestamp ?? 0));
  return {
    messageId: u.key.id,
    waMessageId: u.key.id,
    ...(await chatOf(baileys, u.key.remoteJid, pnForLid)),
    fromMe: true,
    status,
    participant: null,
    timestamp: ts > 0 ? ts : nowSeconds(),
    error: status === 'error' ? String(u.update.messageStubParameters?.[0] ?? 'error') : null,
  };
}

/**
 * A sent message whose error ack came within Baileys' 100 ms upsert hold (lib/Socket/messages-send.js
 * relayMessage's delayed upsert, lib/Utils/event-buffer.js 'messages.update' merged into the pending
 * upsert): the error arrives on the 'append' upsert of our own message, with no messages.update.
 */
export async function statusFromOwnUpsert(baileys: Baileys, msg: WAMessage, pnForLid?: PnForLid): Promise<MessageStatusData | undefined> {
  if (!msg.key?.fromMe || msg.status !== 0) return undefined;
  return statusFromUpdate(baileys, { key: msg.key, update: { status: 0, messageStubParameters: msg.messageStubParameters, messageTimestamp: msg.messageTimestamp } }, pnForLid);
}

export async function statusFromReceipt(baileys: Baileys, r: MessageUserReceiptUpdate, pnForLid?: PnForLid): Promise<MessageStatusData | undefined> {
  if (!r.key?.fromMe || !r.key.id || !r.receipt) return undefined;
  const { playedTimestamp, readTimestamp, receiptTimestamp, userJid } = r.receipt;
  const [status, at]: [DeliveryStatus, unknown] | [undefined, undefined] = playedTimestamp
    ? ['played', playedTimestamp]
    : readTimestamp
      ? ['read', readTimestamp]
      : receiptTimestamp
        ? ['delivered', receiptTimestamp]
        : [undefined, undefined];
  if (!status) return undefined;
  const who = userJid ? await resolveIdentity(baileys, userJid, undefined, pnForLid) : undefined;
  const ts = Number(baileys.toNumber(at as number));
  return {
    messageId: r.key.id,
    waMessageId: r.key.id,
    ...(await chatOf(baileys, r.key.remoteJid, pnForLid)),
    fromMe: true,
    status,
    participant: who?.jid ?? null,
    participantLid: who?.lid ?? null,
    timestamp: ts > 0 ? ts : nowSeconds(),
    error: null,
  };
}
