import type { Request, Response } from 'express';
import type { ServerDeps } from '../http/server-app';
import { AppError } from '../shared/errors';
import { redisKeys } from '../shared/keys';
import { assertPublicHttpUrl } from '../shared/url-guard';
import { InstanceRegistry } from '../whatsapp/instance-registry';
import { InstanceCache } from './instance-cache';
import { MessageEnqueuer } from './enqueuer';
import { messageJobAttempts } from './job-options';
import { parseAddMessage } from './request-schema';

/**
 * POST /queue/add-message, once per server (the fast path and the Express route share it): validate,
 * check the instance (cached), guard media URLs, queue (batched), answer 202.
 */
export class AddMessageService {
  private readonly instances: InstanceCache;
  private readonly enqueuer: MessageEnqueuer;
  private readonly limits: { maxScheduleMs: number };

  constructor(private readonly deps: ServerDeps) {
    const { config } = deps;
    const keys = redisKeys(config.QUEUE_PREFIX);
    this.instances = new InstanceCache(new InstanceRegistry(deps.redis, keys), config.INSTANCE_CACHE_MS);
    this.enqueuer = new MessageEnqueuer(deps.queues.message, deps.redis, keys, { idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS, attempts: messageJobAttempts(config) });
    this.limits = { maxScheduleMs: config.MESSAGE_MAX_SCHEDULE_DAYS * 86_400_000 };
  }

  async handle(req: Request, res: Response): Promise<void> {
    const { config } = this.deps;
    const header = req.headers['idempotency-key'];
    const input = parseAddMessage(req.body, Array.isArray(header) ? header[0] : header, this.limits);
    if (!(await this.instances.get(input.instanceId))) throw new AppError('instance_not_found', `instance ${input.instanceId} does not exist`, { instanceId: input.instanceId });
    if ('url' in input.content) {
      await assertPublicHttpUrl(input.content.url, { allowPrivate: config.ALLOW_PRIVATE_MEDIA_URLS, dnsTimeoutMs: config.MEDIA_URL_DNS_TIMEOUT_MS, field: 'mediaUrl' });
    }
    const queued = await this.enqueuer.enqueue(input);
    const body: Record<string, unknown> = { success: true, jobId: queued.jobId, messageId: queued.messageId, status: 'queued', instanceId: input.instanceId, to: input.to };
    if (queued.duplicate) body.duplicate = true;
    if (input.delayMs > 0) body.scheduledFor = new Date(Date.now() + input.delayMs).toISOString();
    // written directly: res.json's ETag hashing and freshness checks are of no use on a POST answer
    const text = JSON.stringify(body);
    res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
  }
}

const services = new WeakMap<ServerDeps, AddMessageService>();

/** The one AddMessageService of a server (its caches and write batches are shared). */
export function addMessageService(deps: ServerDeps): AddMessageService {
  let s = services.get(deps);
  if (!s) services.set(deps, (s = new AddMessageService(deps)));
  return s;
}
