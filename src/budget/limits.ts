import type { InstanceSettings } from '../whatsapp/types';
import type { BudgetCaps, BudgetDefaults } from './defaults';
import type { HealthLevel } from './health-score';
import { warmupAge, warmupState, WarmupState } from './warmup';

/** What the budget needs to know of an instance (its registry record). */
export interface BudgetInstance {
  settings?: InstanceSettings;
  createdAt?: number;
  linkedAt?: number;
}

export interface EffectiveLimits {
  /** the caps in force now: the configured ones, the day cap lowered by the warm-up, all scaled down while health is `slow` */
  caps: BudgetCaps;
  /** the instance's configured caps (settings over the defaults) */
  configured: BudgetCaps;
  warmup: WarmupState;
  /** health is `slow` (or `paused`): caps times HEALTH_SLOW_FACTOR, gap divided by it */
  slowed: boolean;
  /** the instance's pacing (settings over PACING_MIN_GAP_MS / PACING_JITTER_MS), for the ETA */
  pacing: { minGapMs: number; jitterMs: number };
}

const pick = (value: number | undefined, fallback: number) => (value === undefined || !Number.isFinite(value) || value < 0 ? fallback : Math.floor(value));

export function configuredCaps(defaults: BudgetCaps, s: InstanceSettings | undefined): BudgetCaps {
  return {
    perMinute: pick(s?.perMinute, defaults.perMinute),
    perHour: pick(s?.perHour, defaults.perHour),
    perDay: pick(s?.dailyCap, defaults.perDay),
    newChatsPerDay: pick(s?.newChatsPerDay, defaults.newChatsPerDay),
    identicalPerHour: pick(s?.identicalPerHour, defaults.identicalPerHour),
  };
}

/** A cap scaled by the slow factor, never below 1 (0 = none stays none). */
const scale = (cap: number, factor: number) => (cap > 0 ? Math.max(1, Math.floor(cap * factor)) : 0);

export function effectiveLimits(defaults: BudgetDefaults, instance: BudgetInstance | undefined, restartAt: number | undefined, health: HealthLevel, now: number): EffectiveLimits {
  const s = instance?.settings;
  const configured = configuredCaps(defaults.caps, s);
  // the warm-up grows up to the day cap; without one, up to what the hour cap allows in a day
  const ceiling = configured.perDay > 0 ? configured.perDay : configured.perHour > 0 ? configured.perHour * 24 : Infinity;
  const age = warmupAge({ numberSince: s?.numberSince, linkedAt: instance?.linkedAt, createdAt: instance?.createdAt, restartAt });
  const warmup = warmupState(age, ceiling, { ...defaults.warmup, enabled: defaults.warmup.enabled && s?.warmup !== false }, now);
  let caps: BudgetCaps = { ...configured };
  if (warmup.active && warmup.cap !== null) caps.perDay = configured.perDay > 0 ? Math.min(configured.perDay, warmup.cap) : warmup.cap;
  const slowed = health !== 'ok';
  if (slowed) {
    const f = defaults.health.slowFactor;
    caps = { perMinute: scale(caps.perMinute, f), perHour: scale(caps.perHour, f), perDay: scale(caps.perDay, f), newChatsPerDay: scale(caps.newChatsPerDay, f), identicalPerHour: scale(caps.identicalPerHour, f) };
  }
  const pacing = { minGapMs: Math.max(defaults.pacing.minGapMs, s?.minGapMs ?? 0), jitterMs: s?.jitterMs ?? defaults.pacing.jitterMs };
  return { caps, configured, warmup, slowed, pacing };
}
