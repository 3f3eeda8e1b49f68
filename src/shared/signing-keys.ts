/**
 * The key formats of Standard Webhooks (https://www.standardwebhooks.com), decoded once here so
 * config validation and the signers agree on them:
 *   whsec_<base64 of 24 to 64 random bytes>   HMAC-SHA256 secret (signature `v1`)
 *   whsk_<base64 of an ed25519 private key>    32-byte seed, or 64 bytes seed + public key (libsodium's form)
 *   whpk_<base64 of the 32-byte public key>    what a receiver holds to verify `v1a`
 * A WEBHOOK_SECRET without the `whsec_` prefix keeps its old meaning: the HMAC key is the raw
 * UTF-8 bytes of the text (installs from before the prefix keep verifying).
 */
export const SECRET_PREFIX = 'whsec_';
export const SIGNING_KEY_PREFIX = 'whsk_';
export const PUBLIC_KEY_PREFIX = 'whpk_';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Strict base64 (the libraries' decoders refuse what Node's lenient one would accept). */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

/** Why a WEBHOOK_SECRET(_PREVIOUS) value is unusable, or undefined when it is fine. */
export function webhookSecretProblem(value: string): string | undefined {
  if (!value.startsWith(SECRET_PREFIX)) return value.length >= 16 ? undefined : 'must be whsec_<base64> (or, legacy, at least 16 characters)';
  const key = decodeBase64(value.slice(SECRET_PREFIX.length));
  if (!key) return 'whsec_ must be followed by standard base64 (A-Z a-z 0-9 + /, = padding)';
  if (key.length < 24 || key.length > 64) return `whsec_ secret must decode to 24 to 64 bytes (got ${key.length})`;
  return undefined;
}

/** The HMAC key bytes of a secret: decoded `whsec_` base64, or the raw text's UTF-8 bytes. */
export function webhookSecretKey(value: string): Buffer {
  if (value.startsWith(SECRET_PREFIX)) {
    const key = decodeBase64(value.slice(SECRET_PREFIX.length));
    if (key) return key;
  }
  return Buffer.from(value, 'utf8');
}

/** True when the secret is in the Standard Webhooks format (what the official libraries take). */
export function isStandardSecret(value: string): boolean {
  return value.startsWith(SECRET_PREFIX) && webhookSecretProblem(value) === undefined;
}

/** Why a WEBHOOK_SIGNING_KEY value is unusable, or undefined when it is fine. */
export function signingKeyProblem(value: string): string | undefined {
  if (!value.startsWith(SIGNING_KEY_PREFIX)) return 'must be whsk_<base64 of an ed25519 private key>';
  const raw = decodeBase64(value.slice(SIGNING_KEY_PREFIX.length));
  if (!raw || (raw.length !== 32 && raw.length !== 64)) return 'whsk_ key must be base64 of 32 bytes (seed) or 64 bytes (seed + public key)';
  return undefined;
}

/** The 32-byte ed25519 seed of a `whsk_` key (validated by signingKeyProblem first). */
export function signingKeySeed(value: string): Buffer {
  const raw = decodeBase64(value.slice(SIGNING_KEY_PREFIX.length));
  if (!raw || (raw.length !== 32 && raw.length !== 64)) throw new Error(`not a whsk_ key: ${signingKeyProblem(value)}`);
  return raw.subarray(0, 32);
}
