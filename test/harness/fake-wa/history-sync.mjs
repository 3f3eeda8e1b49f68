// What the primary phone sends a companion at its first login after pairing, modelled from
// Baileys rc14 (node_modules/@whiskeysockets/baileys/lib):
// 1. APP_STATE_SYNC_KEY_SHARE (app-state.mjs keyShareMessage): the key the app-state patches use;
// 2. HISTORY_SYNC_NOTIFICATION, syncType INITIAL_BOOTSTRAP: the companion asks for its initial
//    payload inline (Utils/validate-connection.js:89 historySyncConfig.inlineInitialPayloadInE2EeMsg:
//    true), so the zlib-deflated HistorySync proto rides in initialHistBootstrapInlinePayload
//    (Utils/history.js:119-128 inflates it; otherwise it would download a 'md-msg-hist' blob from
//    directPath, always on mmg.whatsapp.net: HistorySyncNotification has no url field,
//    WAProto.proto:2602-2618, Utils/messages-media.js:405-420). processHistoryMessage
//    (Utils/history.js:38-118) takes conversations (chats, contacts, messages, lidJid/pnJid pairs),
//    pushnames (PUSH_NAME only) and phoneNumberToLidMappings (every type).
// Both are self-only protocol messages: Baileys drops them unless key.fromMe
// (Utils/process-message.js:228-240), which a stanza `from` our own account without `recipient`
// gives (Utils/decode-wa-message.js:128-134, "peer-routed self stanzas"), sent as category 'peer'
// (Socket/messages-recv.js:1401-1403 answers it with a peer_msg receipt). The history notification
// starts the client's initial app-state sync (Socket/chats.js:977-1029), whose IQ app-state.mjs answers.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { getBinaryNodeChild, proto } from '@whiskeysockets/baileys';

const H = proto.HistorySync.HistorySyncType;
const now = () => Math.floor(Date.now() / 1000);
const toPnJid = (p) => (p.includes('@') ? p : `${p.replace(/\D/g, '')}@s.whatsapp.net`);
const toLidJid = (l) => (l.includes('@') ? l : `${l}@lid`);
const msgId = () => `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;

/**
 * The HistorySync proto of an INITIAL_BOOTSTRAP chunk. options: conversations [{ with: phone,
 * name?, lid?, messages: [{ text, fromMe?, id?, t? }] }], mappings [{ phone, lid }]
 * (phoneNumberToLidMappings).
 */
export function bootstrapHistory({ conversations = [], mappings = [] } = {}) {
  const convs = conversations.map((c) => {
    const jid = toPnJid(c.with);
    const messages = (c.messages ?? []).map((m, i) => ({
      msgOrderId: i + 1,
      message: { key: { remoteJid: jid, fromMe: !!m.fromMe, id: m.id ?? msgId() }, message: { conversation: m.text ?? 'hello' }, messageTimestamp: m.t ?? now() - 60 },
    }));
    return { id: jid, name: c.name, ...(c.lid ? { lidJid: toLidJid(c.lid) } : {}), messages };
  });
  const phoneNumberToLidMappings = mappings.map((m) => ({ pnJid: toPnJid(m.phone), lidJid: toLidJid(m.lid) }));
  return { syncType: H.INITIAL_BOOTSTRAP, chunkOrder: 0, progress: 100, conversations: convs, phoneNumberToLidMappings };
}

/** protocolMessage HISTORY_SYNC_NOTIFICATION with the chunk inline (Utils/history.js:121-122). */
export function historyNotificationMessage(history) {
  const bytes = proto.HistorySync.encode(proto.HistorySync.fromObject(history)).finish();
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: { syncType: history.syncType, chunkOrder: history.chunkOrder, progress: history.progress, initialHistBootstrapInlinePayload: deflateSync(bytes) },
    },
  };
}

/**
 * A message from the account's own phone (device 0) to the companion. Signal-encrypted when the
 * connection can (conn.encryptFrom, the Signal stand-in), else <plaintext> (decode-wa-message.js:260-262).
 */
export async function ownPhoneMessageNode(conn, message) {
  const from = `${conn.accountPhone ?? conn.server.phone}@s.whatsapp.net`;
  const attrs = { from, id: msgId(), t: String(now()), type: 'text', category: 'peer' };
  if (typeof conn.encryptFrom === 'function') {
    const enc = await conn.encryptFrom(from, message);
    return { tag: 'message', attrs, content: [enc] };
  }
  const body = Buffer.from(proto.Message.encode(proto.Message.fromObject(message)).finish());
  return { tag: 'message', attrs, content: [{ tag: 'plaintext', attrs: {}, content: body }] };
}

/**
 * The phone's side of the first login after pairing: key share, then the bootstrap history. Waits
 * for the client's <iq xmlns=passive><active/> (Socket/socket.js:750, sent once <success> is
 * handled) so the client has processed <ib><offline/> (socket.js:832-841: receivedPendingNotifications,
 * which Socket/chats.js:1067-1106 needs to wait for the notification). Returns what it sent.
 */
export async function playFirstLogin(conn, { history, appState }) {
  const active = (n) => n.tag === 'iq' && n.attrs.xmlns === 'passive' && !!getBinaryNodeChild(n, 'active');
  await conn.waitFor(active, 10_000).catch(() => undefined);
  await appState.pending;
  const sent = [];
  // bootstrap: false plays a phone whose history never reaches the companion (key share only)
  const messages = [appState.keyShareMessage()];
  if (history.bootstrap !== false) messages.push(historyNotificationMessage(bootstrapHistory(history)));
  for (const message of messages) {
    // in order behind anything the connection is still encrypting (connection.mjs enqueue)
    const built = ownPhoneMessageNode(conn, message);
    if (typeof conn.enqueue === 'function') await conn.enqueue(() => built);
    else conn.send(await built);
    sent.push({ id: (await built).attrs.id, message });
  }
  return sent;
}
