/** What a Baileys session is built from: shared per driver (deps) and per session (parts). */
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { RedisKeys } from '../../shared/keys';
import type { Logger } from '../../shared/logger';
import type { Baileys } from './loader';
import type { MessageStore } from './message-store';
import type { SessionCaches } from './socket-config';
import type { SessionState } from './session-state';
import type { RestrictionTracker } from '../restriction/tracker';
import type { InstanceOwnership, LeaseHolder } from '../host/ownership';
import type { SocketFactory } from './socket-types';
import type { VersionSource } from './version';
import { DEFAULT_RECONNECT_OPTIONS, ReconnectOptions } from './reconnect-policy';
import type { WaLogger } from './wa-logger';

export interface SessionDeps {
  baileys: Baileys;
  config: Config;
  logger: Logger;
  waLogger: WaLogger;
  redis: Redis;
  /** the auth state's connection (Signal keys, creds): a long command timeout (auth-redis.ts); else `redis` */
  authRedis?: Redis;
  keys: RedisKeys;
  versions: VersionSource;
  socketFactory: SocketFactory;
  /** who may hold the instance's socket (today in-process: one socket per instance in this process) */
  ownership: InstanceOwnership;
  /** jitter source (tests pass a fixed one) */
  random?: () => number;
}

export interface ConnectionParts {
  state: SessionState;
  caches: SessionCaches;
  /** the instance's sent and received messages (Redis) */
  store: MessageStore;
  waLog: WaLogger;
  log: Logger;
  /** what the ownership calls to make this session let go of the instance */
  owner: LeaseHolder;
  /** the session's restriction state (timelock, new-chat cap): fed from connection.update and message-capping.update */
  restriction?: RestrictionTracker;
}

/** The reconnect policy's knobs from config (WA_RECONNECT_*, WA_LOOP_*). */
export function reconnectOptions(c: Config): ReconnectOptions {
  return {
    ...DEFAULT_RECONNECT_OPTIONS,
    baseDelayMs: c.WA_RECONNECT_BASE_MS,
    maxDelayMs: c.WA_RECONNECT_MAX_MS,
    loopMaxCloses: c.WA_LOOP_MAX_CLOSES,
    loopWindowMs: c.WA_LOOP_WINDOW_MS,
  };
}
