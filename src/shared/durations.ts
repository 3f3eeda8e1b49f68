/**
 * Durations as operators write them: `250ms`, `5s`, `5m`, `2h`, `1d`, or a bare number of ms.
 * Lists are comma separated (WEBHOOK_RETRY_SCHEDULE="5s,5m,30m,2h").
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of one duration, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']);
}

/** Milliseconds of each entry of a comma-separated list, or a message naming the bad entry. */
export function parseDurationList(text: string): number[] | string {
  const parts = text.split(',').map((p) => p.trim());
  const out: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) return `"${part}" is not a duration (like 250ms, 5s, 5m, 2h, 1d)`;
    out.push(ms);
  }
  return out;
}

/** The shortest human form of a duration (docs, logs): 5000 -> "5s", 90000 -> "90s". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
