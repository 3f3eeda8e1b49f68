import type { Config } from '../../shared/config';
import { hmacV1 } from './hmac-v1';
import { ed25519V1a, publicKeyOf } from './ed25519-v1a';
import { signatureSet, SignatureSet, Signer } from './signer';

type SigningConfig = Pick<Config, 'WEBHOOK_SECRET' | 'WEBHOOK_SECRET_PREVIOUS' | 'WEBHOOK_SIGNING_KEY' | 'WEBHOOK_SIGNING_KEY_PREVIOUS'>;

/**
 * Every live signer, current keys first: WEBHOOK_SECRET (v1), WEBHOOK_SECRET_PREVIOUS (v1, during a
 * rotation), WEBHOOK_SIGNING_KEY and its previous one (v1a). WEBHOOK_SECRET is required.
 */
export function signersFromConfig(config: SigningConfig): Signer[] {
  if (!config.WEBHOOK_SECRET) throw new Error('WEBHOOK_SECRET is required to sign webhooks');
  const signers = [hmacV1(config.WEBHOOK_SECRET)];
  if (config.WEBHOOK_SECRET_PREVIOUS && config.WEBHOOK_SECRET_PREVIOUS !== config.WEBHOOK_SECRET) signers.push(hmacV1(config.WEBHOOK_SECRET_PREVIOUS));
  if (config.WEBHOOK_SIGNING_KEY) signers.push(ed25519V1a(config.WEBHOOK_SIGNING_KEY));
  if (config.WEBHOOK_SIGNING_KEY_PREVIOUS && config.WEBHOOK_SIGNING_KEY_PREVIOUS !== config.WEBHOOK_SIGNING_KEY) signers.push(ed25519V1a(config.WEBHOOK_SIGNING_KEY_PREVIOUS));
  return signers;
}

export function signaturesFromConfig(config: SigningConfig): SignatureSet {
  return signatureSet(signersFromConfig(config));
}

/** The whpk_ public keys receivers may trust (current first); empty without WEBHOOK_SIGNING_KEY. */
export function publicKeysFromConfig(config: SigningConfig): { current?: string; previous?: string } {
  return {
    ...(config.WEBHOOK_SIGNING_KEY ? { current: publicKeyOf(config.WEBHOOK_SIGNING_KEY) } : {}),
    ...(config.WEBHOOK_SIGNING_KEY_PREVIOUS ? { previous: publicKeyOf(config.WEBHOOK_SIGNING_KEY_PREVIOUS) } : {}),
  };
}
