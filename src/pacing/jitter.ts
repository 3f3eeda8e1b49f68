/**
 * The jitter added to an instance's gap: bell-shaped and bounded. The mean of three uniform draws
 * (an Irwin-Hall distribution, close to a normal one) scaled to [0, max]: its mean is max / 2, as
 * the uniform jitter it replaces (so mean gaps and ETAs keep their meaning), it never leaves the
 * bounds, and gaps cluster around the mean like a person's instead of spreading flat like a timer's
 * (a flat spread of gaps is itself recognisable). Standard deviation max / 6 (uniform: max / 3.5).
 */
export const JITTER_DRAWS = 3;

export function bellJitter(maxMs: number, random: () => number = Math.random): number {
  if (maxMs <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < JITTER_DRAWS; i++) sum += random();
  return Math.min(maxMs, Math.max(0, Math.round((sum / JITTER_DRAWS) * maxMs)));
}
