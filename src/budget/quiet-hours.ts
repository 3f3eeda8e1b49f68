/**
 * Quiet hours (BROADCAST_QUIET_HOURS, server time): hours in which campaigns must not send. Pure
 * functions of the clock, so they are unit-tested without waiting for the night.
 */
export interface QuietHours {
  startHour: number;
  endHour: number;
}

/** "22-8" -> 22:00 to 08:00 (wraps midnight); "13-14" -> 13:00 to 14:00; undefined = none. */
export function parseQuietHours(value: string | undefined): QuietHours | undefined {
  if (!value) return undefined;
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(value.trim());
  if (!m) return undefined;
  const startHour = Number(m[1]);
  const endHour = Number(m[2]);
  if (startHour > 23 || endHour > 23 || startHour === endHour) return undefined;
  return { startHour, endHour };
}

/** When `now` falls in the quiet hours, the time (ms) they end; otherwise undefined. */
export function quietUntil(quiet: QuietHours | undefined, now: Date): number | undefined {
  if (!quiet) return undefined;
  const h = now.getHours();
  const inside = quiet.startHour < quiet.endHour ? h >= quiet.startHour && h < quiet.endHour : h >= quiet.startHour || h < quiet.endHour;
  if (!inside) return undefined;
  const end = new Date(now);
  end.setHours(quiet.endHour, 0, 0, 0);
  if (end.getTime() <= now.getTime()) end.setDate(end.getDate() + 1);
  return end.getTime();
}
