import { hostname } from 'node:os';
import { Config, ConfigError, internalApiUrl } from '../shared/config';

/**
 * What this whatsapp-server process is in the cluster, derived once from config. With sharding off
 * (SERVER_SHARDS=1, the default) it is the one server of before: SERVER_PORT, the in-process
 * ownership, no leases, no directory; every other part of this folder is then unused.
 */
export interface ShardSettings {
  /** leases in Redis, a shard directory, routing to the owner */
  enabled: boolean;
  shardId: string;
  index: number;
  /** the port this process' own server listens on (public and internal API) */
  port: number;
  /** SERVER_PORT when several shards share this host: it floats to whichever shard holds it */
  frontDoorPort?: number;
  /** what this shard advertises to workers and other shards */
  internalUrl: string;
  hostName: string;
  leaseTtlMs: number;
  renewMs: number;
  scanMs: number;
  /** a shard whose directory entry was not refreshed for this long counts as gone */
  liveMs: number;
  /** an instance nobody claimed for this long may be claimed by any shard (placement disagreed) */
  fallbackMs: number;
}

/** True when the processes talk to shards (Redis leases, owner lookups), for workers as for servers. */
export function shardingEnabled(config: Pick<Config, 'SHARDING' | 'SERVER_SHARDS'>): boolean {
  return config.SHARDING === 'on' || (config.SHARDING === 'auto' && config.SERVER_SHARDS > 1);
}

export function shardSettings(config: Config, host: string = hostname()): ShardSettings {
  const enabled = shardingEnabled(config);
  const several = config.SERVER_SHARDS > 1;
  if (several && config.SHARD_INDEX >= config.SERVER_SHARDS) throw new ConfigError('SHARD_INDEX', `must be below SERVER_SHARDS (${config.SERVER_SHARDS})`);
  if (enabled && config.SHARD_LEASE_RENEW_MS * 2 > config.SHARD_LEASE_TTL_MS) {
    throw new ConfigError('SHARD_LEASE_RENEW_MS', `must be at most half of SHARD_LEASE_TTL_MS (${config.SHARD_LEASE_TTL_MS}): a lease is renewed at least twice before it can expire`);
  }
  const port = several ? config.SHARD_PORT_BASE + config.SHARD_INDEX : config.SERVER_PORT;
  if (several && port > 65535) throw new ConfigError('SHARD_PORT_BASE', `+ ${config.SHARD_INDEX} is above 65535`);
  const shortHost = host.split('.')[0].replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
  const template = config.SHARD_INTERNAL_URL ?? (several ? 'http://127.0.0.1:{port}' : undefined);
  const internalUrl = template ? template.replace('{port}', String(port)) : internalApiUrl(config);
  if (enabled) assertUrl(internalUrl);
  return {
    enabled,
    shardId: config.SHARD_ID ?? `${shortHost}-${config.SHARD_INDEX}`,
    index: config.SHARD_INDEX,
    port,
    frontDoorPort: enabled && several ? config.SERVER_PORT : undefined,
    internalUrl,
    hostName: host,
    leaseTtlMs: config.SHARD_LEASE_TTL_MS,
    renewMs: config.SHARD_LEASE_RENEW_MS,
    scanMs: config.SHARD_SCAN_MS,
    liveMs: Math.max(5 * config.SHARD_SCAN_MS, 3000),
    fallbackMs: Math.max(5 * config.SHARD_SCAN_MS, 5000) + config.RESTORE_JITTER_MS,
  };
}

function assertUrl(url: string): void {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return;
  } catch {
    /* reported below */
  }
  throw new ConfigError('SHARD_INTERNAL_URL', `must be an http(s) URL ({port} is replaced by the shard's port), got ${url}`);
}
