/**
 * The writer side of the log as webhook-worker runs it: the store, the schema prepared in the
 * background, the batch writer and its gauges. Built from the process's own Redis and metrics.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import type { ProcessMetrics } from '../metrics/registry';
import { LogWriter } from './batch-writer';
import { logBuffer, logStore, MessageLogConfig, prepareInBackground } from './index';
import type { PgMessageLog } from './pg-store';

export interface RunningLogWriter {
  store: PgMessageLog;
  writer: LogWriter;
  close(): Promise<void>;
}

export function startLogWriter(
  config: MessageLogConfig & Pick<Config, 'MESSAGE_LOG_BATCH_SIZE' | 'MESSAGE_LOG_FLUSH_MS'>,
  logger: Logger,
  redis: Redis,
  metrics?: ProcessMetrics,
): RunningLogWriter | undefined {
  const store = logStore(config, logger);
  const buffer = logBuffer(config, redis);
  if (!store || !buffer) return undefined;
  const preparing = prepareInBackground(store, logger);
  const writer = new LogWriter(buffer, store, { batchSize: config.MESSAGE_LOG_BATCH_SIZE, flushMs: config.MESSAGE_LOG_FLUSH_MS, logger });
  writer.start();
  metrics?.gauge('wa_message_log_buffered', 'Message-log rows waiting in Redis for PostgreSQL', [], async (g) => g.set(await buffer.length()));
  metrics?.gauge('wa_message_log_lag_seconds', 'Age of the oldest message-log row not yet in PostgreSQL', [], async (g) => g.set((await buffer.oldestAgeMs()) / 1000));
  metrics?.gauge('wa_message_log_refused', 'Message-log rows refused because the Redis buffer was full', [], async (g) => g.set(await buffer.dropped()));
  return {
    store,
    writer,
    async close() {
      preparing.stop();
      await writer.stop();
      await store.close();
    },
  };
}
