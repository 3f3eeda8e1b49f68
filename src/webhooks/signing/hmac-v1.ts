import { createHmac } from 'node:crypto';
import { webhookSecretKey } from '../../shared/signing-keys';
import type { Signer } from './signer';

/**
 * `v1`: base64 HMAC-SHA256. The key is the decoded bytes of a `whsec_` secret (what the official
 * `standardwebhooks` libraries use), or the raw UTF-8 bytes of a legacy secret without the prefix.
 */
export function hmacV1(secret: string): Signer {
  const key = webhookSecretKey(secret);
  return { version: 'v1', sign: (content) => createHmac('sha256', key).update(content, 'utf8').digest('base64') };
}
