/**
 * Baileys logs through a pino-compatible logger (ILogger: level, child, trace..error). It gets
 * its own pino at WA_LOG_LEVEL (default warn: Baileys at info/debug logs protocol nodes), one
 * child per instance so every line carries the instance id. Lines are JSON on stdout like the
 * winston logs, so PM2 captures both.
 */
import pino from 'pino';

export type WaLogger = pino.Logger;

export function createWaLogger(level: string, base: Record<string, unknown> = {}): WaLogger {
  return pino({ level, base: { ...base, component: 'baileys' }, timestamp: pino.stdTimeFunctions.isoTime });
}
