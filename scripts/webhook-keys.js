#!/usr/bin/env node
// Prints fresh webhook signing keys in the Standard Webhooks formats, for .env:
//   node scripts/webhook-keys.js            a WEBHOOK_SECRET (whsec_: HMAC, signature v1)
//   node scripts/webhook-keys.js ed25519    a WEBHOOK_SIGNING_KEY (whsk_) and its public key (whpk_, signature v1a)
// Rotating: move the old value to WEBHOOK_SECRET_PREVIOUS (or WEBHOOK_SIGNING_KEY_PREVIOUS), put
// the new one in its place, restart webhook-worker; drop the previous once every receiver has the new one.
const crypto = require('node:crypto');

if (process.argv[2] === 'ed25519') {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'jwk' }).d;
  const x = publicKey.export({ format: 'jwk' }).x;
  console.log(`WEBHOOK_SIGNING_KEY=whsk_${Buffer.from(seed, 'base64url').toString('base64')}`);
  console.log(`# public key for the edge functions: whpk_${Buffer.from(x, 'base64url').toString('base64')}`);
} else {
  console.log(`WEBHOOK_SECRET=whsec_${crypto.randomBytes(32).toString('base64')}`);
}
