/** A campaign's outcomes as CSV (RFC 4180: CRLF, fields with quotes, commas or breaks quoted). */
import type { CampaignOutcome } from './port';

export const CSV_COLUMNS: Array<keyof CampaignOutcome> = ['recipient', 'messageId', 'channel', 'status', 'attempts', 'sentAt', 'deliveredAt', 'readAt', 'failedAt', 'errorCode', 'errorMessage'];

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  // a leading = + - @ would be run as a formula by spreadsheets: quoted and prefixed with '
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(o: CampaignOutcome): string {
  return `${CSV_COLUMNS.map((c) => csvField(o[c])).join(',')}\r\n`;
}
