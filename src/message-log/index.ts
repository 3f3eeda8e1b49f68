/**
 * Builds the message log of a process from config: undefined when MESSAGE_LOG=off. Producers need
 * only the buffer (Redis); webhook-worker adds the writer, whatsapp-server the store for queries.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { redisKeys } from '../shared/keys';
import { LogBuffer } from './buffer';
import { PgMessageLog } from './pg-store';

export type MessageLogConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'MESSAGE_LOG' | 'DATABASE_URL' | 'MESSAGE_LOG_SCHEMA' | 'MESSAGE_LOG_RETENTION_DAYS' | 'MESSAGE_LOG_DAYS_AHEAD' | 'MESSAGE_LOG_BUFFER_MAX' | 'DATABASE_POOL_MAX'
>;

export function logBuffer(config: MessageLogConfig, redis: Redis): LogBuffer | undefined {
  return config.MESSAGE_LOG === 'on' ? new LogBuffer(redis, redisKeys(config.QUEUE_PREFIX), config.MESSAGE_LOG_BUFFER_MAX) : undefined;
}

export function logStore(config: MessageLogConfig, logger: Logger): PgMessageLog | undefined {
  if (config.MESSAGE_LOG !== 'on') return undefined;
  return new PgMessageLog({
    url: config.DATABASE_URL,
    schema: config.MESSAGE_LOG_SCHEMA,
    retentionDays: config.MESSAGE_LOG_RETENTION_DAYS,
    daysAhead: config.MESSAGE_LOG_DAYS_AHEAD,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
}

/**
 * Prepares the schema in the background, retrying until PostgreSQL answers: a process never
 * waits on PostgreSQL to start (sending goes on without it; rows wait in Redis).
 */
export function prepareInBackground(store: Pick<PgMessageLog, 'prepare'>, logger: Logger, retryMs = 5000): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let warned = false;
  const attempt = () => {
    store.prepare().then(
      () => logger.info('message log ready in PostgreSQL'),
      (err: Error) => {
        if (!warned) logger.warn('message log: PostgreSQL not reachable yet; retrying', { error: err.message });
        warned = true;
        if (!stopped) timer = setTimeout(attempt, retryMs).unref();
      },
    );
  };
  attempt();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export { LogBuffer } from './buffer';
export { LogWriter } from './batch-writer';
export { PgMessageLog } from './pg-store';
export { messageLogObserver, campaignOutcomeRow, appendRows } from './observer';
export type { MessageLogStore, LogQuery, LogPage, CampaignOutcome } from './port';
export type { LogRow, LogStatus } from './row';
export { LOG_STATUSES } from './row';
