import IORedis, { Redis, RedisOptions } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

/**
 * Where Redis is: a URL, or (REDIS_SENTINELS) the sentinels that know the current master of
 * REDIS_SENTINEL_NAME; the URL then only gives the password, user, db and TLS. Every connection of
 * every process is built from it (Bull's included), so all of them follow a failover.
 */
export interface RedisTarget {
  url: string;
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  sentinelPassword?: string;
}

export function redisTarget(config: Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD'>): RedisTarget {
  if (!config.REDIS_SENTINELS) return { url: config.REDIS_URL };
  const sentinels = config.REDIS_SENTINELS.split(',').map((hp) => {
    const [host, port] = hp.trim().split(':');
    return { host, port: Number(port) };
  });
  return { url: config.REDIS_URL, sentinels, sentinelName: config.REDIS_SENTINEL_NAME, sentinelPassword: config.REDIS_SENTINEL_PASSWORD };
}

/** ioredis options for a sentinel target: the master's credentials, db and TLS from the URL. */
function sentinelOptions(target: RedisTarget): RedisOptions {
  const u = new URL(target.url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  return {
    sentinels: target.sentinels,
    name: target.sentinelName,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // a failover moves the master: reconnect to the new one as soon as the sentinels name it
    sentinelRetryStrategy: redisRetryDelay,
    failoverDetector: true,
  };
}

/**
 * Reconnect forever with capped exponential backoff and jitter: Redis down at start or lost
 * while running is a state the processes wait out, not a reason to exit.
 */
export function redisRetryDelay(times: number): number {
  const base = Math.min(100 * 2 ** Math.min(times, 10), 5000);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export interface RedisClientOptions {
  name: string;
  logger?: Logger;
  /** Bull's connections queue commands while disconnected and retry them without limit. */
  forBull?: boolean;
  /** coalesce commands issued in the same tick into one write (busy senders: fewer syscalls) */
  autoPipelining?: boolean;
}

/**
 * A command connection fails fast when Redis is away (no offline queue, one retry, a command
 * timeout), so HTTP handlers answer 503 in well under a second instead of hanging.
 */
export function createRedis(target: string | RedisTarget, opts: RedisClientOptions): Redis {
  const base: RedisOptions = { connectionName: opts.name, retryStrategy: redisRetryDelay, lazyConnect: false, enableAutoPipelining: opts.autoPipelining === true };
  const options: RedisOptions = opts.forBull
    ? { ...base, maxRetriesPerRequest: null, enableReadyCheck: false }
    : { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000 };
  const t = typeof target === 'string' ? { url: target } : target;
  // a master demoted by a failover answers READONLY: reconnect (the sentinels name the new one)
  const failover: RedisOptions = t.sentinels ? { ...sentinelOptions(t), reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false) } : {};
  const client = t.sentinels ? new IORedis({ ...options, ...failover }) : new IORedis(t.url, options);
  let wasReady = false;
  let lastError = '';
  client.on('ready', () => {
    if (wasReady) opts.logger?.info('redis reconnected', { connection: opts.name });
    wasReady = true;
    lastError = '';
  });
  client.on('error', (err: Error) => {
    // ioredis emits one error per failed reconnect attempt; log each distinct cause once.
    if (err.message !== lastError) opts.logger?.warn('redis error', { connection: opts.name, error: err.message });
    lastError = err.message;
  });
  return client;
}

/** Resolves when the connection is ready; keeps waiting through reconnects (Redis down at start). */
export function waitForRedis(client: Redis, logger?: Logger): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  logger?.info('waiting for redis');
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

export interface RedisProbe {
  reachable: boolean;
  latencyMs?: number;
  error?: string;
}

/** PING with a short deadline; never throws. */
export async function probeRedis(client: Redis, timeoutMs = 500): Promise<RedisProbe> {
  if (client.status !== 'ready') return { reachable: false, error: `connection ${client.status}` };
  const started = Date.now();
  try {
    await withTimeout(client.ping(), timeoutMs, 'redis ping timed out');
    return { reachable: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the Redis in use keeps jobs across a restart and never evicts them (GET /health shows it). */
export interface RedisDurability {
  /** AOF on and maxmemory-policy noeviction */
  durable: boolean;
  appendonly?: string;
  maxmemoryPolicy?: string;
  warnings: string[];
}

/**
 * Jobs are only durable when Redis persists and never evicts. Checks whatever Redis we were
 * given and returns the warnings (also logged), so an operator sees the risk at start.
 */
export async function checkRedisDurability(client: Redis, logger: Logger): Promise<string[]> {
  const { warnings } = await readRedisDurability(client);
  for (const w of warnings) logger.warn(`redis durability: ${w}`);
  return warnings;
}

/** The persistence settings of the Redis in use, read with CONFIG GET; never throws. */
export async function readRedisDurability(client: Redis): Promise<RedisDurability> {
  const warnings: string[] = [];
  let appendonly: string | undefined;
  let maxmemoryPolicy: string | undefined;
  try {
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
    const [, aof] = (await client.config('GET', 'appendonly')) as string[];
    const [, save] = (await client.config('GET', 'save')) as string[];
    appendonly = aof;
    maxmemoryPolicy = policy;
    if (policy && policy !== 'noeviction') {
      warnings.push(`maxmemory-policy is "${policy}": Redis may evict queued jobs under memory pressure; set it to noeviction`);
    }
    if (aof !== 'yes' && !save) {
      warnings.push('Redis persistence is off (appendonly no, no RDB save points): a Redis restart loses every queued job; enable appendonly yes');
    } else if (aof !== 'yes') {
      warnings.push('Redis uses RDB snapshots only: a crash loses jobs accepted since the last snapshot; enable appendonly yes');
    }
  } catch (err) {
    warnings.push(`could not read Redis persistence settings (${(err as Error).message}); make sure AOF is on and maxmemory-policy is noeviction`);
  }
  return { durable: appendonly === 'yes' && maxmemoryPolicy === 'noeviction', appendonly, maxmemoryPolicy, warnings };
}
