/**
 * Facebook's webhook signature: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body
 * with the app secret (developers.facebook.com/docs/messenger-platform/webhooks, "Validate
 * payloads"). Checked on the bytes as received, before any JSON parsing, in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  const expected = Buffer.from(hubSignature(secret, body));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
