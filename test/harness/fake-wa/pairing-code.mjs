// What the phone does when the user types a pairing code (Baileys: requestPairingCode, then the
// 'link_code_companion_reg' notification in Socket/messages-recv.js). The stand-in plays the primary:
// it unwraps the companion's ephemeral key with the code, sends its own wrapped ephemeral key and
// identity, and from the companion's answer derives the ADV secret both sides then share, so the
// pair-success it finally sends passes configureSuccessfulPairing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { aesDecryptGCM, Curve, derivePairingCodeKey, getBinaryNodeChild, getBinaryNodeChildBuffer, hkdf } from '@whiskeysockets/baileys';

const ctr = (decipher, key, iv, data) => {
  const c = decipher ? createDecipheriv('aes-256-ctr', key, iv) : createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
};

/** The client's companion_hello IQ (sent by requestPairingCode), or undefined. */
export const isCompanionHello = (n) => n.tag === 'iq' && getBinaryNodeChild(n, 'link_code_companion_reg')?.attrs.stage === 'companion_hello';

/** Step 1: the notification the phone's answer produces; returns it and the state for step 2. */
export async function primaryHello(hello, code) {
  const reg = getBinaryNodeChild(hello, 'link_code_companion_reg');
  const wrapped = Buffer.from(getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub'));
  const companionEphemeral = ctr(true, await derivePairingCodeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48), wrapped.subarray(48, 80));
  const ephemeral = Curve.generateKeyPair();
  const identity = Curve.generateKeyPair();
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const wrappedPrimary = Buffer.concat([salt, iv, ctr(false, await derivePairingCodeKey(code, salt), iv, ephemeral.public)]);
  const ref = randomBytes(16).toString('hex');
  const notification = {
    tag: 'notification',
    attrs: { from: 's.whatsapp.net', type: 'link_code_companion_reg', id: `lc-${ref.slice(0, 8)}`, t: String(Math.floor(Date.now() / 1000)) },
    content: [{
      tag: 'link_code_companion_reg',
      attrs: {},
      content: [
        { tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) },
        { tag: 'primary_identity_pub', attrs: {}, content: identity.public },
        { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
      ],
    }],
  };
  return { notification, state: { companionEphemeral, ephemeral, identity } };
}

/** Step 2: from the client's companion_finish IQ, its identity key and the shared ADV secret. */
export function companionKeys(finish, { companionEphemeral, ephemeral, identity }) {
  const reg = getBinaryNodeChild(finish, 'link_code_companion_reg');
  const bundle = Buffer.from(getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_key_bundle'));
  const companionShared = Curve.sharedKey(ephemeral.private, companionEphemeral);
  const key = Buffer.from(hkdf(companionShared, 32, { salt: bundle.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' }));
  const plain = aesDecryptGCM(bundle.subarray(44), key, bundle.subarray(32, 44), Buffer.alloc(0));
  const identityKey = plain.subarray(0, 32);
  const random = plain.subarray(64, 96);
  const identityShared = Curve.sharedKey(identity.private, identityKey);
  const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: 'adv_secret' }));
  return { identityKey, advSecret };
}
