/**
 * The real session driver (WHATSAPP_DRIVER=baileys). createBaileysDriver is synchronous (the
 * manager wires it at start); Baileys itself, and the WhatsApp Web version, load on the first
 * session that connects and are shared by all sessions of the process, as are the pino logger,
 * the one-socket-per-instance ownership and the libsignal console filter.
 */
import type { Redis } from 'ioredis';
import { Config, internalApiUrl } from '../../shared/config';
import { redisKeys } from '../../shared/keys';
import type { Logger } from '../../shared/logger';
import { LocalOwnership } from '../host/local-ownership';
import type { CreateSessionOptions, EventSink, SessionDriver, WhatsAppSession } from '../types';
import { BaileysSession, SessionContext } from './baileys-session';
import { installConsoleFilter } from './console-filter';
import { loadBaileys } from './loader';
import { hasLinkedAuthState, removeAuthState } from './redis-auth-store';
import type { SessionDeps } from './session-deps';
import type { SocketFactory } from './socket-types';
import { createVersionSource, FetchLatest } from './version';
import { authConnection } from './auth-redis';
import { createWaLogger } from './wa-logger';

export interface BaileysDriverDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  /** tests: a fake socket instead of Baileys' makeWASocket */
  socketFactory?: SocketFactory;
  /** tests: instead of fetching the WhatsApp Web version from web.whatsapp.com */
  fetchLatestVersion?: FetchLatest;
  /** tests: the reconnect jitter source */
  random?: () => number;
}

export interface BaileysDriver extends SessionDriver {
  readonly name: 'baileys';
  /** instances holding a socket right now */
  socketCount(): number;
  /** libsignal console lines dropped so far (they can print session keys) */
  droppedConsoleLines(): number;
}

export function createBaileysDriver(deps: BaileysDriverDeps): BaileysDriver {
  const { config, logger, redis } = deps;
  const keys = redisKeys(config.QUEUE_PREFIX);
  const ownership = new LocalOwnership({ logger, internalUrl: internalApiUrl(config) });
  const waLogger = createWaLogger(config.WA_LOG_LEVEL);
  let dropped = 0;
  installConsoleFilter(() => {
    dropped++;
  });

  let ready: Promise<SessionDeps> | undefined;
  const ctx: SessionContext = {
    config,
    logger,
    redis,
    keys,
    ready() {
      ready ??= loadBaileys().then(
        async (baileys): Promise<SessionDeps> => ({
          baileys,
          config,
          logger,
          waLogger,
          redis,
          authRedis: await authConnection(redis),
          keys,
          ownership,
          random: deps.random,
          socketFactory: deps.socketFactory ?? baileys.makeWASocket,
          versions: createVersionSource(baileys, {
            configured: config.WA_VERSION,
            fetchTimeoutMs: config.WA_VERSION_FETCH_TIMEOUT_MS,
            logger,
            fetchLatest: deps.fetchLatestVersion,
          }),
        }),
        (err: unknown) => {
          ready = undefined;
          logger.error('could not load baileys', { error: (err as Error).message });
          throw err;
        },
      );
      return ready;
    },
  };

  return {
    name: 'baileys',
    create(options: CreateSessionOptions, sink: EventSink): WhatsAppSession {
      return new BaileysSession(ctx, options, sink);
    },
    removeAuthState: (instanceId) => removeAuthState(redis, keys, instanceId),
    hasLinkedAuthState: (instanceId) => hasLinkedAuthState(redis, keys, instanceId),
    socketCount: () => ownership.size,
    droppedConsoleLines: () => dropped,
  };
}
