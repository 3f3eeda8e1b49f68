import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import type { WorkerSpec } from '../../shared/worker-process';
import { EventPublisher } from '../../queues/publisher';
import { InstanceRegistry } from '../../whatsapp/instance-registry';
import { InstanceCache } from '../../messages/instance-cache';
import { createSendPipeline } from '../../messages/send-pipeline';
import { messageJobHandler } from '../../messages/message-handler';
import { sendCounter } from '../../metrics/counting';

/** message-worker: consumes the `message` queue and sends each message through the send pipeline. */
export function messageWorkerSpec(config: Config, logger: Logger): WorkerSpec<'message'> {
  let closePipeline: (() => void) | undefined;
  return {
    name: 'message-worker',
    queue: 'message',
    port: config.MESSAGE_WORKER_PORT,
    concurrency: config.MESSAGE_CONCURRENCY,
    handler: (ctx) => {
      const events = new EventPublisher(ctx.queueSet.queues.webhook, logger);
      const instances = new InstanceCache(new InstanceRegistry(ctx.redis, redisKeys(config.QUEUE_PREFIX)), config.INSTANCE_CACHE_MS);
      const built = createSendPipeline({
        config,
        logger,
        redis: ctx.redis,
        publish: (event) => events.publish(event),
        settings: (id) => instances.settings(id),
        maxSockets: config.MESSAGE_CONCURRENCY * 2,
        onOutcome: sendCounter(ctx.metrics),
      });
      closePipeline = built.close;
      return messageJobHandler({ config, pipeline: built.pipeline, events, logger });
    },
    onClose: async () => closePipeline?.(),
  };
}
