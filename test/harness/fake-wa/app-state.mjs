// The account's app state (WhatsApp's "syncd" collections) as the stand-in serves it to a companion,
// modelled from Baileys rc14 (node_modules/@whiskeysockets/baileys/lib):
// - the key: the primary phone shares one with its companions in a protocolMessage
//   APP_STATE_SYNC_KEY_SHARE (Utils/process-message.js:278-296: keyId.keyId -> base64 id, keyData
//   stored as 'app-state-sync-key', then creds.myAppStateKeyId);
// - the fetch: <iq xmlns="w:sync:app:state" type="set"><sync><collection name version
//   return_snapshot/>…</sync></iq> for ALL_WA_PATCH_NAMES (Socket/chats.js:410-479, Types/Chat.js:1-7);
//   the answer is read by Utils/chat-utils.js:248-282 extractSyncdPatches: <sync><collection name
//   version has_more_patches?><patches><patch>SyncdPatch bytes</patch>…</patches></collection>;
// - the patches: built with Baileys' own encodeSyncdPatch (Utils/chat-utils.js:109-158) under the
//   shared key, one mutation each, chained on the collection's LT-hash state, so decodePatches
//   (:332-395) gets valid MACs whether or not the client checks them (appStateMacVerification);
// - the mutations Baileys reads (Utils/chat-utils.js:660-760 processSyncAction):
//   contactAction at index ['contact', <pn jid>] in critical_unblock_low (:500-509) ->
//   contacts.upsert and, with a LID lidJid, lid-mapping.update { lid, pn } (Utils/sync-action-utils.js:7-37),
//   stored by Socket/chats.js:1129-1136; pushNameSetting at ['setting_pushName'] in critical_block
//   (:549-558) -> creds.update { me.name } (:731-735).
// A client at version 0 asks for a snapshot (return_snapshot=true); WhatsApp would answer with an
// ExternalBlobReference on its media servers (chat-utils.js:260-265, :284-291, always fetched from
// mmg.whatsapp.net: Utils/messages-media.js:405-420), which a local client cannot reach, so the
// stand-in answers every collection with its patches from version 0 instead (decodePatches
// starts from newLTHashState for a collection it has no state for, Socket/chats.js:438-448).
import { randomBytes } from 'node:crypto';
import { encodeSyncdPatch, getBinaryNodeChild, getBinaryNodeChildren, newLTHashState, proto } from '@whiskeysockets/baileys';

export const COLLECTIONS = ['critical_block', 'critical_unblock_low', 'regular_high', 'regular_low', 'regular'];
const SET = proto.SyncdMutation.SyncdOperation.SET;
const toPnJid = (p) => (p.includes('@') ? p : `${p.replace(/\D/g, '')}@s.whatsapp.net`);
const toLidJid = (l) => (l.includes('@') ? l : `${l}@lid`);

export class AppState {
  constructor() {
    // Utils/process-message.js:284: keyId.keyId becomes the base64 id the patches name
    this.keyId = randomBytes(6);
    this.keyData = randomBytes(32);
    this.keyIdBase64 = this.keyId.toString('base64');
    /** collection -> { state (LT hash), patches: [{ version, bytes }] } */
    this.collections = new Map(COLLECTIONS.map((c) => [c, { state: newLTHashState(), patches: [] }]));
    this.contacts = [];
    this.pushName = undefined;
    this.fetches = []; // { connection, collections: [{ name, version }] } per IQ answered
    this.pending = Promise.resolve();
  }

  /**
   * Adds mutations: contacts [{ phone, lid?, name? }] (contactAction), pushName (pushNameSetting).
   * Resolves with the collections touched once the patches are encoded (fetches wait for that).
   */
  set({ contacts = [], pushName } = {}) {
    const mutations = [];
    for (const c of contacts) {
      const pnJid = toPnJid(c.phone);
      const lidJid = c.lid ? toLidJid(c.lid) : undefined;
      this.contacts.push({ pnJid, lidJid, name: c.name });
      const contactAction = { fullName: c.name, firstName: c.name?.split(' ')[0], ...(lidJid ? { lidJid } : {}) };
      mutations.push({ type: 'critical_unblock_low', index: ['contact', pnJid], apiVersion: 2, syncAction: { timestamp: Date.now(), contactAction } });
    }
    if (pushName) {
      this.pushName = pushName;
      mutations.push({ type: 'critical_block', index: ['setting_pushName'], apiVersion: 1, syncAction: { timestamp: Date.now(), pushNameSetting: { name: pushName } } });
    }
    this.pending = this.pending.then(() => this.encode(mutations));
    return this.pending.then(() => [...new Set(mutations.map((m) => m.type))]);
  }

  /**
   * What the server tells an online companion when a collection changed: <notification
   * type=server_sync><collection name/> -> rc14 resyncs that collection (Socket/messages-recv.js:827-833).
   */
  serverSyncNotification(name) {
    const t = String(Math.floor(Date.now() / 1000));
    return { tag: 'notification', attrs: { from: 's.whatsapp.net', type: 'server_sync', id: randomBytes(6).toString('hex'), t }, content: [{ tag: 'collection', attrs: { name, version: String(this.collections.get(name)?.state.version ?? 0) } }] };
  }

  async encode(mutations) {
    const getKey = async (id) => (id === this.keyIdBase64 ? { keyData: this.keyData } : undefined);
    for (const m of mutations) {
      const col = this.collections.get(m.type);
      const { patch, state } = await encodeSyncdPatch({ ...m, operation: SET }, this.keyIdBase64, col.state, getKey);
      col.state = state;
      patch.version = { version: state.version }; // chat-utils.js:274-276 would guess collection version + 1
      col.patches.push({ version: state.version, bytes: Buffer.from(proto.SyncdPatch.encode(patch).finish()) });
    }
  }

  /** The protocolMessage the primary phone sends its companion with the key (process-message.js:278). */
  keyShareMessage() {
    const keyData = { keyData: this.keyData, fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] }, timestamp: Date.now() };
    return {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
        appStateSyncKeyShare: { keys: [{ keyId: { keyId: this.keyId }, keyData }] },
      },
    };
  }

  /** The answer to a w:sync:app:state IQ: every asked collection's patches after the client's version. */
  async answer(conn, node) {
    await this.pending;
    const sync = getBinaryNodeChild(node, 'sync');
    const asked = getBinaryNodeChildren(sync, 'collection').map((c) => ({ name: c.attrs.name, version: Number(c.attrs.version ?? 0) }));
    this.fetches.push({ connection: conn.index, collections: asked });
    const content = asked.map(({ name, version }) => {
      const col = this.collections.get(name);
      const newer = col ? col.patches.filter((p) => p.version > version) : [];
      const latest = col?.state.version ?? 0;
      const attrs = { name, version: String(Math.max(latest, version)) };
      if (!newer.length) return { tag: 'collection', attrs };
      const patches = newer.map((p) => ({ tag: 'patch', attrs: {}, content: p.bytes }));
      return { tag: 'collection', attrs, content: [{ tag: 'patches', attrs: {}, content: patches }] };
    });
    return { tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'result', id: node.attrs.id }, content: [{ tag: 'sync', attrs: {}, content }] };
  }
}
