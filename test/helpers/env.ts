import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Config, loadConfig } from '../../src/shared/config';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other test file (or user deployment) shares. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const TEST_SECRETS = {
  API_KEY: 'test-api-key-0123456789abcdef',
  INTERNAL_TOKEN: 'test-internal-token-0123456789',
  WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
};

/**
 * whatsapp-server's maintenance schedules are off in tests: a tick landing mid-test would add
 * heartbeat events and maintenance jobs to the webhook queue that tests count. Tests of the
 * schedules turn them on explicitly.
 */
export const MAINTENANCE_OFF = { CRON_CLEAN: 'off', CRON_EXPIRE: 'off', CRON_TRIM_DEAD_LETTERS: 'off', CRON_HEARTBEAT: 'off', CRON_MESSAGE_LOG: 'off' };

/** Caps of 0 and no warm-up: the budget counts but holds nothing (test/integration/send-budget*.test.ts set their own). */
export const BUDGET_OFF = { BUDGET_PER_MINUTE: '0', BUDGET_PER_HOUR: '0', BUDGET_PER_DAY: '0', BUDGET_NEW_CHATS_PER_DAY: '0', BUDGET_IDENTICAL_PER_HOUR: '0', BUDGET_WARMUP: 'off' };

/** The variables every test process gets: unique prefix, sandbox driver, no pacing, no schedules. */
function baseEnv(prefix: string, logLevel: string, overrides: Record<string, string | number | boolean>): Record<string, string> {
  const env: Record<string, string> = {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    ...TEST_SECRETS,
    HOST: '127.0.0.1',
    WHATSAPP_DRIVER: 'sandbox',
    SANDBOX_LATENCY_MS: '5',
    LOG_LEVEL: logLevel,
    PACING_MIN_GAP_MS: '0',
    PACING_JITTER_MS: '0',
    // the send budget's caps and warm-up are off as pacing is (its own tests turn them on); health stays on
    ...BUDGET_OFF,
    SHUTDOWN_TIMEOUT_MS: '5000',
    // the message log needs PostgreSQL: its own tests turn it on (DATABASE_URL, a schema per run)
    MESSAGE_LOG: 'off',
    ...MAINTENANCE_OFF,
  };
  for (const [k, v] of Object.entries(overrides)) env[k] = String(v);
  return env;
}

/** A validated Config for in-process tests (quiet logs). */
export function testConfig(prefix: string, overrides: Record<string, string | number | boolean> = {}): Config {
  return loadConfig(baseEnv(prefix, 'error', overrides));
}

/** Environment for child processes (PM2, spawned processes): the same values as strings. */
export function testEnv(prefix: string, overrides: Record<string, string | number> = {}): Record<string, string> {
  return baseEnv(prefix, 'warn', overrides);
}

/** Deletes every key of a test prefix (Bull's and ours). */
export async function cleanupPrefix(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(fn: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An event as tests read it back (from a queue, a receiver or a session's sink): the envelope with
 * its data untyped, since assertions look at any field of any type.
 */
export interface TestEvent {
  id?: string;
  type: import('../../src/events/catalog').EventType;
  instanceId: string;
  timestamp?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  targetUrl?: string;
}

/** A minimal event for tests that only move envelopes around (queues, dead letters, deliveries). */
export function fixtureEvent(event: TestEvent & { id: string; timestamp: string }): import('../../src/events/envelope').AnyEvent {
  return event as import('../../src/events/envelope').AnyEvent;
}

/** A minimal event input, for tests that publish envelopes whose data nobody reads. */
export function fixtureInput(input: TestEvent): import('../../src/events/envelope').AnyEventInput {
  return input as import('../../src/events/envelope').AnyEventInput;
}

/** What a test's API call answered: the status and the body (parsed JSON, else the text). */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One call to the public API on 127.0.0.1:port with the admin key; JSON in, JSON (or text) out. */
export async function apiCall(port: number, method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<ApiAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_SECRETS.API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
