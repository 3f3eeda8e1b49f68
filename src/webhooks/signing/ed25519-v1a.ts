import { createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { PUBLIC_KEY_PREFIX, signingKeySeed } from '../../shared/signing-keys';
import type { Signer } from './signer';

// PKCS#8 DER of an ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKey(whsk: string): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, signingKeySeed(whsk)]), format: 'der', type: 'pkcs8' });
}

/** `v1a`: base64 ed25519 signature (64 bytes) of the signed content, with a `whsk_` key. */
export function ed25519V1a(whsk: string): Signer {
  const key = privateKey(whsk);
  return { version: 'v1a', sign: (content) => sign(null, Buffer.from(content, 'utf8'), key).toString('base64') };
}

/** The `whpk_` public key of a `whsk_` private key: what an edge function holds to verify v1a. */
export function publicKeyOf(whsk: string): string {
  const jwk = createPublicKey(privateKey(whsk)).export({ format: 'jwk' });
  return PUBLIC_KEY_PREFIX + Buffer.from(String(jwk.x), 'base64url').toString('base64');
}
