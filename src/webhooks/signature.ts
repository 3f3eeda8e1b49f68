import { createHmac, createPublicKey, timingSafeEqual, verify as verifyEd25519 } from 'node:crypto';
import { PUBLIC_KEY_PREFIX, webhookSecretKey } from '../shared/signing-keys';
import type { SignatureSet } from './signing/signer';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com):
 *   webhook-id:        the event id (stable across retries and replays: receivers dedupe on it)
 *   webhook-timestamp: unix seconds of this delivery attempt
 *   webhook-signature: `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), and more
 *                      space-separated entries during a rotation or with an ed25519 key (`v1a,`)
 * The HMAC key of a `whsec_` secret is its decoded base64 (the official libraries verify it); a
 * secret without the prefix keeps its old meaning, the raw UTF-8 bytes of the text. The signers
 * live in signing/; this file keeps the one-secret helpers and the Node receivers' verification.
 */
export const SIGNATURE_VERSION = 'v1';
export const DEFAULT_TOLERANCE_S = 5 * 60;

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export function computeSignature(secret: string, id: string, timestamp: number | string, body: string): string {
  return createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The three signature headers for one delivery attempt: one secret's `v1`, or every signer of a set. */
export function signHeaders(signing: string | SignatureSet, id: string, body: string, nowMs = Date.now()): SignedHeaders {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': typeof signing === 'string' ? `${SIGNATURE_VERSION},${computeSignature(signing, id, timestamp, body)}` : signing.header(id, timestamp, body),
  };
}

export interface VerifyInput {
  /** the HMAC secret (`whsec_…`, or a legacy raw one); or give publicKey to check `v1a` instead */
  secret?: string;
  /** a `whpk_` ed25519 public key: the `v1a` entries are checked */
  publicKey?: string;
  body: string;
  /** header values as received; lookups are case-insensitive */
  headers: Record<string, string | string[] | undefined>;
  toleranceS?: number;
  nowMs?: number;
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * True when the headers carry a valid signature of this exact body with this secret (or public
 * key) and the timestamp lies within the tolerance (replay protection). The signature header may
 * list several space-separated entries (key rotation, `v1a` beside `v1`); one match is enough.
 * Constant-time compare for HMAC.
 */
export function verifySignature(input: VerifyInput): boolean {
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sigHeader = header(input.headers, 'webhook-signature');
  if (!id || !ts || !sigHeader || !/^\d+$/.test(ts)) return false;
  const nowS = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowS - Number(ts)) > (input.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
  if (input.publicKey) return verifyV1a(input.publicKey, `${id}.${ts}.${input.body}`, sigHeader);
  if (input.secret === undefined) return false;
  const expected = Buffer.from(computeSignature(input.secret, id, ts, input.body), 'base64');
  let ok = false;
  for (const entry of sigHeader.split(' ')) {
    const [version, sig] = entry.split(',', 2);
    if (version !== SIGNATURE_VERSION || !sig) continue;
    const given = Buffer.from(sig, 'base64');
    // evaluate every entry (no early exit) so timing does not reveal which one matched
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

function verifyV1a(whpk: string, content: string, sigHeader: string): boolean {
  if (!whpk.startsWith(PUBLIC_KEY_PREFIX)) return false;
  const x = Buffer.from(whpk.slice(PUBLIC_KEY_PREFIX.length), 'base64').toString('base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return sigHeader.split(' ').some((entry) => {
    const [version, sig] = entry.split(',', 2);
    return version === 'v1a' && !!sig && verifyEd25519(null, Buffer.from(content, 'utf8'), key, Buffer.from(sig, 'base64'));
  });
}
