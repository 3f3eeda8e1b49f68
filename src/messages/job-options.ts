import type { Config } from '../shared/config';

/** Waits that are not failures of the message and are counted in job data, each with its own cap. */
export const MAX_PACED_WAITS = 1000;

/**
 * Bull counts every thrown error as an attempt, but waiting for a connection, for an open circuit
 * or for the instance's pacing budget is not the message failing. The job gets room for all of
 * them; the handler counts each kind in job data and decides finality itself (MESSAGE_ATTEMPTS
 * real failures, NOT_CONNECTED_RETRIES, CIRCUIT_MAX_WAITS, RESTRICTION_MAX_WAITS, BUDGET_MAX_WAITS).
 */
export function messageJobAttempts(config: Pick<Config, 'MESSAGE_ATTEMPTS' | 'NOT_CONNECTED_RETRIES' | 'CIRCUIT_MAX_WAITS' | 'RESTRICTION_MAX_WAITS' | 'BUDGET_MAX_WAITS'>): number {
  return config.MESSAGE_ATTEMPTS + config.NOT_CONNECTED_RETRIES + config.CIRCUIT_MAX_WAITS + config.RESTRICTION_MAX_WAITS + config.BUDGET_MAX_WAITS + MAX_PACED_WAITS + 1;
}
