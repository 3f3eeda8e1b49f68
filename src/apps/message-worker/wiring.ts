import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import { createRedis, redisTarget, waitForRedis } from '../../shared/redis';
import type { WorkerSpec } from '../_runtime/worker-process';
import { EventPublisher } from '../../queues/publisher';
import { InstanceRegistry } from '../../whatsapp/instances/registry';
import { InstanceCache } from '../../messages/instance-cache';
import { createSendPipeline } from '../../messages/create-send-pipeline';
import { messageJobHandler } from '../../messages/message-handler';
import { sendCounter } from '../../metrics/counting';
import { budgetHoldCounter } from '../../metrics/budget-metrics';
import { perMinute } from '../../metrics/pm2-monit';
import { logBuffer, messageLogObserver } from '../../message-log';
import type { GraphClient } from '../../messenger';

/** message-worker: consumes the `message` queue and sends each message through the send pipeline. */
export function messageWorkerSpec(config: Config, logger: Logger): WorkerSpec<'message'> {
  let closePipeline: (() => Promise<void>) | undefined;
  let graph: GraphClient | undefined;
  return {
    name: 'message-worker',
    queue: 'message',
    port: config.MESSAGE_WORKER_PORT,
    concurrency: config.MESSAGE_CONCURRENCY,
    handler: async (ctx) => {
      const events = new EventPublisher(ctx.queueSet.queues.webhook, logger);
      const instances = new InstanceCache(new InstanceRegistry(ctx.redis, redisKeys(config.QUEUE_PREFIX)), config.INSTANCE_CACHE_MS);
      // the send path's own connection, auto-pipelined: with many jobs in flight their status,
      // circuit and pacing calls leave in shared writes instead of one syscall each
      const sendRedis = createRedis(redisTarget(config), { name: `${config.QUEUE_PREFIX}-message-send`, logger, autoPipelining: true });
      await waitForRedis(sendRedis, logger);
      // final outcomes (message.sent / message.failed) become message-log rows in Redis, off the send path
      const buffer = logBuffer(config, sendRedis);
      if (buffer) events.observe(messageLogObserver({ buffer, channelOf: (id) => instances.channel(id), logger }));
      const holds = budgetHoldCounter(ctx.metrics);
      ctx.monit?.add({ name: 'Budget holds/min', value: perMinute(holds.counter) });
      const built = createSendPipeline({
        config,
        logger,
        redis: sendRedis,
        publish: (event) => events.publish(event),
        settings: (id) => instances.settings(id),
        // the budget reads the whole record: settings, and the number's age for the warm-up
        instance: (id) => instances.get(id),
        onHold: holds.onHold,
        channelOf: (id) => instances.channel(id),
        maxSockets: config.MESSAGE_CONCURRENCY * 2,
        onOutcome: sendCounter(ctx.metrics),
      });
      graph = built.graph;
      closePipeline = async () => {
        built.close();
        await sendRedis.quit().catch(() => sendRedis.disconnect());
      };
      return messageJobHandler({ config, pipeline: built.pipeline, events, logger });
    },
    // the Graph pool of this process (whatsapp-server's GET /stats/http-client sums the workers')
    extend: (app) => app.get('/stats/http-client', (_req, res) => void res.json(graph?.stats() ?? {})),
    onClose: async () => closePipeline?.(),
  };
}
