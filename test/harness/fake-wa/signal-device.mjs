// One stand-in device (a contact's phone or companion, a group participant, the account's own phone)
// with a real Signal identity, encrypting and decrypting with Baileys' own repository so the client
// and the stand-in run the very same code (Baileys 7.0.0-rc14 lib/Signal/libsignal.js:34
// makeLibSignalRepository over libsignal 6 SessionCipher / SessionBuilder, Group/ GroupCipher).
//
// The repository needs a { creds, keys } auth state (libsignal.js:327-430 signalStorage): creds gives
// the identity (getOurIdentity :421-428), registration id (:420) and signed pre-key (:401-407);
// keys is a SignalKeyStore ('session', 'identity-key', 'pre-key', 'sender-key', 'lid-mapping', …)
// with transaction() (libsignal.js:58, :110, :118 wrap every operation in one). Here it is a Map.
import { initAuthCreds, xmppPreKey, xmppSignedPreKey, encodeBigEndian, Curve, KEY_BUNDLE_TYPE } from '@whiskeysockets/baileys';
import { makeLibSignalRepository } from '@whiskeysockets/baileys/lib/Signal/libsignal.js';

const quiet = { level: 'silent', child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** An in-memory SignalKeyStore (Types/Auth.d.ts SignalKeyStoreWithTransaction). */
export function memoryKeyStore() {
  const map = new Map();
  return {
    map,
    async get(type, ids) {
      const out = {};
      for (const id of ids) if (map.has(`${type}:${id}`)) out[id] = map.get(`${type}:${id}`);
      return out;
    },
    async set(data) {
      for (const [type, entries] of Object.entries(data))
        for (const [id, v] of Object.entries(entries)) (v ? map.set(`${type}:${id}`, v) : map.delete(`${type}:${id}`));
    },
    // every stand-in Signal operation already runs one at a time (SignalNetwork.run), so a
    // transaction is just the work itself
    transaction: (work) => work(),
    isInTransaction: () => false,
  };
}

export class StandinDevice {
  /** key: 'user:device' (PN user) or 'lid:user:device' (a LID the stand-in knows no number for) */
  constructor(key, jid) {
    this.key = key;
    this.jid = jid; // canonical device jid, e.g. '5511…:1@s.whatsapp.net' ('5511…@s.whatsapp.net' for device 0)
    // initAuthCreds (Utils/auth-utils.js:279-301): identity key pair, signed pre-key id 1, registration id
    this.creds = initAuthCreds();
    this.keys = memoryKeyStore();
    this.repo = makeLibSignalRepository({ creds: this.creds, keys: this.keys }, quiet, undefined);
    this.nextPreKeyId = 1;
  }

  get registrationId() {
    return this.creds.registrationId;
  }

  /**
   * <user jid> of an encrypt/get answer as Baileys parses it (Utils/signal.js:100-137
   * parseAndInjectE2ESessions: registration (4 bytes), identity, skey, key), with a fresh one-time
   * pre-key the device keeps for the client's pkmsg (libsignal session_builder.js:63-66 loadPreKey).
   */
  async bundleNode(askedJid) {
    const id = this.nextPreKeyId++;
    const pair = Curve.generateKeyPair();
    await this.keys.set({ 'pre-key': { [id]: pair } });
    return {
      tag: 'user',
      attrs: { jid: askedJid },
      content: [
        { tag: 'registration', attrs: {}, content: encodeBigEndian(this.registrationId, 4) },
        { tag: 'type', attrs: {}, content: Buffer.from(KEY_BUNDLE_TYPE) },
        { tag: 'identity', attrs: {}, content: this.creds.signedIdentityKey.public },
        xmppSignedPreKey(this.creds.signedPreKey),
        xmppPreKey(pair, id),
      ],
    };
  }

  /** <keys> of a retry receipt (Socket/messages-recv.js:496-512): type, identity, a pre-key, skey. */
  async retryKeysNode() {
    const bundle = await this.bundleNode('');
    const [, type, identity, skey, key] = bundle.content;
    return { tag: 'keys', attrs: {}, content: [type, identity, key, skey] };
  }
}
