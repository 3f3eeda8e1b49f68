import { createHash, randomBytes } from 'node:crypto';

/**
 * Our message ids are valid WhatsApp message ids (the `3EB0` + hex shape WhatsApp Web uses), so the
 * same id is the job id, the status key and the id WhatsApp sees: a retried job reuses it and the
 * internal send recognises it.
 */
export function newMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/** Stable per campaign and recipient: a resend after a crash carries the same id. */
export function campaignMessageId(campaignId: string, recipient: string): string {
  const digest = createHash('sha256').update(`${campaignId}\u0000${recipient}`).digest('hex').slice(0, 18).toUpperCase();
  return `3EB0${digest}`;
}

export const MESSAGE_ID_RE = /^[A-Za-z0-9]{8,64}$/;
