/** "3 min ago" style times, percentages and the shapes the API answers with. */

export interface Me {
  name: string;
  admin: boolean;
  instances: '*' | string[];
  readOnly: boolean;
}

export function ago(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const ms = Date.now() - (typeof iso === 'number' ? iso : Date.parse(iso));
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
}

/** A short stable fingerprint of a string: the QR image URL changes when the QR does. */
export function fingerprint(text: string): string {
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = ((h << 5) + h + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

export function go(hash: string): void {
  window.location.hash = hash;
}
