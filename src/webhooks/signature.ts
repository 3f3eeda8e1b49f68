import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks style signatures (https://www.standardwebhooks.com):
 *   webhook-id:        the event id (stable across retries and replays: receivers dedupe on it)
 *   webhook-timestamp: unix seconds of this delivery attempt
 *   webhook-signature: `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
 * The key is the raw UTF-8 bytes of WEBHOOK_SECRET as written in the environment (no `whsec_`
 * prefix handling, no base64 decoding), so any language can verify with the string it was given.
 */
export const SIGNATURE_VERSION = 'v1';
export const DEFAULT_TOLERANCE_S = 5 * 60;

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export function computeSignature(secret: string, id: string, timestamp: number | string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The three signature headers for one delivery attempt. */
export function signHeaders(secret: string, id: string, body: string, nowMs = Date.now()): SignedHeaders {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `${SIGNATURE_VERSION},${computeSignature(secret, id, timestamp, body)}`,
  };
}

export interface VerifyInput {
  secret: string;
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
 * True when the headers carry a valid signature of this exact body with this secret and the
 * timestamp lies within the tolerance (replay protection). The signature header may list several
 * space-separated `v1,<sig>` entries (key rotation); one match is enough. Constant-time compare.
 */
export function verifySignature(input: VerifyInput): boolean {
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sigHeader = header(input.headers, 'webhook-signature');
  if (!id || !ts || !sigHeader || !/^\d+$/.test(ts)) return false;
  const nowS = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowS - Number(ts)) > (input.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
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
