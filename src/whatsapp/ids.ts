import { createHash, randomBytes } from 'node:crypto';

/**
 * Our message ids are valid WhatsApp message ids (the `3EB0` + hex shape WhatsApp Web uses), so the
 * same id is the job id, the status key and the id WhatsApp sees: a retried job reuses it and the
 * internal send recognises it.
 */
export function newMessageId(): string {
  return `3EB0${random9().toString('hex').toUpperCase()}`;
}

// Random bytes drawn in blocks: one id per accepted message is a hot path, and ids are not secrets.
let pool = Buffer.alloc(0);
let offset = 0;
function random9(): Buffer {
  if (offset + 9 > pool.length) {
    pool = randomBytes(9 * 256);
    offset = 0;
  }
  offset += 9;
  return pool.subarray(offset - 9, offset);
}

/** Stable per campaign and recipient: a resend after a crash carries the same id. */
export function campaignMessageId(campaignId: string, recipient: string): string {
  const digest = createHash('sha256').update(`${campaignId}\u0000${recipient}`).digest('hex').slice(0, 18).toUpperCase();
  return `3EB0${digest}`;
}

export const MESSAGE_ID_RE = /^[A-Za-z0-9]{8,64}$/;
