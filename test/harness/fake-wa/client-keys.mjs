// What the stand-in's server knows of each client device's Signal keys, as WhatsApp's server does
// (signal.mjs uses it to open sessions with the client and to answer bundle fetches).
//
// Sources: the registration data of the pairing ClientPayload (Utils/validate-connection.js:115-124
// devicePairingData: eRegid (4 bytes BE), eKeytype, eIdent (32-byte identity), eSkeyId (3 bytes),
// eSkeyVal, eSkeySig), the pre-key upload IQ (Utils/signal.js:181-199 getNextPreKeysNode: <iq
// xmlns=encrypt type=set> registration, type, identity, list > key (id 3 bytes, value), skey) and the
// signed pre-key rotation (Socket/socket.js:155-170 <rotate><skey>). Kept per client device
// ('phone:device') on the server, so a client that reconnects or restarts with the same creds keeps
// its sessions with the stand-in. A bundle without a one-time pre-key is valid (libsignal
// session_builder.js:29-39: preKey optional), which is what a client that never uploaded gets.
import { getBinaryNodeChild, getBinaryNodeChildBuffer, getBinaryNodeChildren, getBinaryNodeChildUInt, generateSignalPubKey, encodeBigEndian, KEY_BUNDLE_TYPE, xmppPreKey, xmppSignedPreKey } from '@whiskeysockets/baileys';

const uint = (b) => (b?.length ? Buffer.from(b).readUIntBE(0, b.length) : undefined);

function skeyOf(node) {
  const skey = getBinaryNodeChild(node, 'skey');
  if (!skey) return undefined;
  return { keyId: getBinaryNodeChildUInt(skey, 'id', 3), public: Buffer.from(getBinaryNodeChildBuffer(skey, 'value')), signature: Buffer.from(getBinaryNodeChildBuffer(skey, 'signature')) };
}

export class ClientKeys {
  constructor() {
    this.clients = new Map(); // 'phone:device' -> { registrationId, identity, signedPreKey, preKeys: Map<id, pub> }
  }

  has(clientKey) {
    return this.clients.has(clientKey);
  }

  /** From the pairing payload's devicePairingData; true when it replaced a different identity. */
  register(clientKey, pairing) {
    if (!pairing?.eIdent) return false;
    const known = this.clients.get(clientKey);
    const identity = Buffer.from(pairing.eIdent);
    this.clients.set(clientKey, {
      registrationId: uint(pairing.eRegid),
      identity,
      signedPreKey: { keyId: uint(pairing.eSkeyId), public: Buffer.from(pairing.eSkeyVal), signature: Buffer.from(pairing.eSkeySig) },
      preKeys: new Map(),
    });
    return !!known && !known.identity.equals(identity);
  }

  /** The pre-key upload or signed pre-key rotation of a client; returns how many pre-keys it uploaded. */
  record(clientKey, iq) {
    if (!clientKey) return 0;
    const rotate = getBinaryNodeChild(iq, 'rotate');
    let entry = this.clients.get(clientKey);
    if (rotate) {
      if (entry) entry.signedPreKey = skeyOf(rotate) ?? entry.signedPreKey;
      return 0;
    }
    const identity = getBinaryNodeChildBuffer(iq, 'identity');
    if (!entry && identity) {
      // a client paired elsewhere: the upload carries everything a bundle needs
      entry = { registrationId: getBinaryNodeChildUInt(iq, 'registration', 4), identity: Buffer.from(identity), signedPreKey: skeyOf(iq), preKeys: new Map() };
      this.clients.set(clientKey, entry);
    }
    const keys = getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key');
    if (entry) {
      const skey = skeyOf(iq);
      if (skey) entry.signedPreKey = skey;
      for (const k of keys) entry.preKeys.set(getBinaryNodeChildUInt(k, 'id', 3), Buffer.from(getBinaryNodeChildBuffer(k, 'value')));
    }
    return keys.length;
  }

  /** One-time pre-keys still held for a client device; undefined if unknown. */
  preKeysLeft(clientKey) {
    return this.clients.get(clientKey)?.preKeys.size;
  }

  /** Takes the lowest one-time pre-key of a client (each is handed out once), or undefined. */
  takePreKey(c) {
    const [id] = [...c.preKeys.keys()].sort((a, b) => a - b);
    if (id === undefined) return undefined;
    const pub = c.preKeys.get(id);
    c.preKeys.delete(id);
    return { id, pub };
  }

  /** The bundle a stand-in device opens a session with (libsignal.js:156-164 injectE2ESession's shape). */
  takeSession(clientKey) {
    const c = this.clients.get(clientKey);
    if (!c) throw new Error(`fake-wa: client device ${clientKey} never gave this stand-in its keys (pair it through this server, or push with plaintext: true)`);
    const pre = this.takePreKey(c);
    const spk = c.signedPreKey;
    return {
      registrationId: c.registrationId,
      identityKey: generateSignalPubKey(c.identity),
      signedPreKey: { keyId: spk.keyId, publicKey: generateSignalPubKey(spk.public), signature: spk.signature },
      preKey: pre && { keyId: pre.id, publicKey: generateSignalPubKey(pre.pub) },
    };
  }

  /** <user jid> of an encrypt/get answer for a client device (Utils/signal.js:100-137 reads it). */
  bundleNode(clientKey, jid) {
    const c = this.clients.get(clientKey);
    const content = [
      { tag: 'registration', attrs: {}, content: encodeBigEndian(c.registrationId, 4) },
      { tag: 'type', attrs: {}, content: Buffer.from(KEY_BUNDLE_TYPE) },
      { tag: 'identity', attrs: {}, content: c.identity },
      xmppSignedPreKey({ keyId: c.signedPreKey.keyId, keyPair: { public: c.signedPreKey.public }, signature: c.signedPreKey.signature }),
    ];
    const pre = this.takePreKey(c);
    if (pre) content.push(xmppPreKey({ public: pre.pub }, pre.id));
    return { tag: 'user', attrs: { jid }, content };
  }
}
