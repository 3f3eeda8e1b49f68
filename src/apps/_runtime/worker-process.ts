import type { Express } from 'express';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { createRedis, redisTarget, waitForRedis, checkRedisDurability } from '../../shared/redis';
import { closeServer, listen, Running, signalReady, ProcessName } from '../../shared/lifecycle';
import { createQueues, consume, JobHandler, NamedHandlers, QueueSet } from '../../queues/factory';
import type { QueueName } from '../../queues/contract';
import { createWorkerApp } from '../../http/worker-app';
import type { Redis } from 'ioredis';
import { createProcessMetrics, ProcessMetrics } from '../../metrics/registry';
import { instrumentWorker } from '../../metrics/instrument';
import { metricsHandler, statsSnapshot } from '../../metrics/http';
import type { MonitReporter } from '../../metrics/pm2-monit';

export interface WorkerContext {
  config: Config;
  logger: Logger;
  /** fail-fast command connection for the worker's own state */
  redis: Redis;
  queueSet: QueueSet;
  /** this process's metrics registry (GET /metrics, /stats); features record sends/deliveries here */
  metrics: ProcessMetrics;
  /** pm2 monit's probes of this process: features add theirs */
  monit?: Pick<MonitReporter, 'add'>;
}

export interface WorkerSpec<N extends QueueName> {
  name: ProcessName;
  queue: N;
  port: number;
  concurrency: number;
  /** builds the job handler from the real objects; features replace it */
  handler: (ctx: WorkerContext) => JobHandler<N> | Promise<JobHandler<N>>;
  /** handlers of named jobs carried by the same queue (e.g. maintenance on the webhook queue) */
  namedJobs?: (ctx: WorkerContext) => NamedHandlers;
  /** extra HTTP routes on the worker's port (/metrics and /stats are always there) */
  extend?: (app: Express, ctx: WorkerContext) => void;
  /** extra cleanup after the queue stopped (timers, HTTP agents) */
  onClose?: () => Promise<void>;
}

/**
 * The shape every worker process shares: health port first (so /health can say 503 while Redis
 * is away), then wait for Redis, consume, signal ready. close() stops taking jobs, lets active
 * ones finish (Bull's close waits for them), then closes Redis and the port.
 */
export async function startWorker<N extends QueueName>(spec: WorkerSpec<N>, config: Config, logger: Logger): Promise<Running> {
  const redis = createRedis(redisTarget(config), { name: `${config.QUEUE_PREFIX}-${spec.name}`, logger });
  const queueSet = createQueues(config, logger);
  const metrics = createProcessMetrics(spec.name);
  const ctx: WorkerContext = { config, logger, redis, queueSet, metrics };
  const queue = queueSet.queues[spec.queue];
  const instrumented = instrumentWorker(metrics, { queue, redis, config });
  ctx.monit = instrumented.monit;
  const app = createWorkerApp({
    processName: spec.name,
    redis,
    queues: [queue],
    logger,
    extend: (a) => {
      // loopback-only port (WORKER_HOST): no key needed to scrape
      a.get('/metrics', metricsHandler(metrics));
      a.get('/stats', async (_req, res) => void res.json(await statsSnapshot(metrics)));
      spec.extend?.(a, ctx);
    },
  });
  let server;
  try {
    server = await listen(app, spec.port, config.WORKER_HOST);
  } catch (err) {
    instrumented.close();
    redis.disconnect();
    await queueSet.close();
    throw err;
  }
  logger.info('listening', { port: spec.port, host: config.WORKER_HOST });
  await waitForRedis(redis, logger);
  await checkRedisDurability(redis, logger);
  consume(queue, spec.concurrency, await spec.handler(ctx), logger, spec.namedJobs?.(ctx));
  signalReady(logger);
  return {
    async close() {
      instrumented.close();
      await queueSet.close();
      await spec.onClose?.();
      await redis.quit().catch(() => redis.disconnect());
      await closeServer(server);
    },
  };
}
