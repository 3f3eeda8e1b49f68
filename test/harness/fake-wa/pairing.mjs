// What the phone does when it scans the QR: sign a device identity for the companion so that
// Baileys' configureSuccessfulPairing (Utils/validate-connection.js) accepts the pair-success.
import { createHmac } from 'node:crypto';
import { Curve, proto, WA_ADV_ACCOUNT_SIG_PREFIX } from '@whiskeysockets/baileys';

/**
 * Splits the `connection.update.qr` string. 7.x: 'https://wa.me/settings/linked_devices#' +
 * ref,noiseKeyB64,identityKeyB64,advSecretB64,platformId (6.x had no URL prefix and no platform).
 */
export function parseQr(qr) {
  const text = String(qr);
  const [ref, noiseKey, identityKey, advSecret, platformId] = text.slice(text.indexOf('#') + 1).split(',');
  if (!ref || !noiseKey || !identityKey || !advSecret) throw new Error(`not a WhatsApp QR string: ${qr}`);
  return {
    ref,
    noiseKey: Buffer.from(noiseKey, 'base64'),
    identityKey: Buffer.from(identityKey, 'base64'),
    advSecret: Buffer.from(advSecret, 'base64'),
    platformId,
  };
}

/**
 * The <iq><pair-success> stanza for a companion whose identity key and ADV secret are known (from
 * the QR: parseQr; from a pairing code: pairing-code.mjs). jid: the companion's device jid
 * (phone:device@s.whatsapp.net), lid: its device lid (lid:device@lid).
 */
export function signedPairSuccess({ identityKey, advSecret }, { id, jid, lid, platform = 'smba', businessName, keyIndex = 1 }) {
  const account = Curve.generateKeyPair(); // the phone's account key
  const deviceDetails = proto.ADVDeviceIdentity.encode({
    rawId: 1,
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex,
  }).finish();
  const accountSignature = Curve.sign(
    account.private,
    Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, deviceDetails, identityKey]),
  );
  const details = proto.ADVSignedDeviceIdentity.encode({
    details: deviceDetails,
    accountSignatureKey: account.public,
    accountSignature,
  }).finish();
  const hmac = createHmac('sha256', advSecret).update(details).digest();
  const identity = proto.ADVSignedDeviceIdentityHMAC.encode({ details, hmac }).finish();
  const content = [
    { tag: 'device-identity', attrs: { 'key-index': String(keyIndex) }, content: Buffer.from(identity) },
    { tag: 'platform', attrs: { name: platform } },
    { tag: 'device', attrs: lid ? { jid, lid } : { jid } },
  ];
  if (businessName) content.push({ tag: 'biz', attrs: { name: businessName } });
  return {
    tag: 'iq',
    attrs: { from: 's.whatsapp.net', type: 'set', id, t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'pair-success', attrs: {}, content }],
  };
}
