import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { AppError } from '../shared/errors';
import { redisKeys } from '../shared/keys';
import { assertPublicHttpUrl } from '../shared/url-guard';
import { InstanceRegistry } from '../whatsapp/instances/registry';
import { INSTANCE_ID_RE } from '../whatsapp/types';
import type { AppQueue } from '../queues/factory';
import { InstanceCache } from './instance-cache';
import { MessageEnqueuer } from './enqueuer';
import { messageJobAttempts } from './job-options';
import { parseAddMessage } from './request-schema';
import { parseMessengerMessage } from './messenger-request';

/** What the service asks of the rest of the server; createAddMessageService builds the real ones. */
export interface AddMessageDeps {
  /** the instance registry behind a short cache (every request asks) */
  instances: Pick<InstanceCache, 'get'>;
  /** queues the job (batched writes, idempotency keys) */
  enqueuer: Pick<MessageEnqueuer, 'enqueue'>;
  /** rejects media URLs the server must not fetch (private addresses, unless allowed) */
  checkMediaUrl: (url: string) => Promise<unknown>;
  /** how far ahead a message may be scheduled */
  maxScheduleMs: number;
}

/** The 202 body; the keys keep this order on the wire. */
export interface AddMessageBody {
  success: true;
  jobId: string;
  messageId: string;
  status: 'queued';
  instanceId: string;
  to: string;
  duplicate?: true;
  scheduledFor?: string;
}

/** What the HTTP side writes: the status and body, and whether it was a repeat or scheduled. */
export interface AddMessageResult {
  status: 202;
  body: AddMessageBody;
  duplicate: boolean;
  scheduledFor?: string;
}

/**
 * POST /queue/add-message, once per server (the fast path and the Express route share it): validate,
 * check the instance (cached), guard media URLs, queue (batched). It returns the answer instead of
 * writing it, so the HTTP room decides how to write it (the hot path writes it by hand).
 */
export class AddMessageService {
  constructor(private readonly deps: AddMessageDeps) {}

  async add(input: unknown, idempotencyKey: string | undefined): Promise<AddMessageResult> {
    const limits = { maxScheduleMs: this.deps.maxScheduleMs };
    // a Messenger instance takes PSIDs and Messenger's options; the channel is known only from the instance
    const named = (input as { instanceId?: unknown } | null)?.instanceId;
    const instance = typeof named === 'string' && INSTANCE_ID_RE.test(named) ? await this.deps.instances.get(named) : undefined;
    const request = instance?.channel === 'messenger' ? parseMessengerMessage(input, idempotencyKey, limits) : parseAddMessage(input, idempotencyKey, limits);
    if (!instance) throw new AppError('instance_not_found', `instance ${request.instanceId} does not exist`, { instanceId: request.instanceId });
    if ('url' in request.content) await this.deps.checkMediaUrl(request.content.url);
    const queued = await this.deps.enqueuer.enqueue(request);
    const body: AddMessageBody = { success: true, jobId: queued.jobId, messageId: queued.messageId, status: 'queued', instanceId: request.instanceId, to: request.to };
    if (queued.duplicate) body.duplicate = true;
    if (request.delayMs > 0) body.scheduledFor = new Date(Date.now() + request.delayMs).toISOString();
    return { status: 202, body, duplicate: !!queued.duplicate, scheduledFor: body.scheduledFor };
  }
}

export type AddMessageConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'INSTANCE_CACHE_MS' | 'IDEMPOTENCY_TTL_SECONDS' | 'MESSAGE_MAX_SCHEDULE_DAYS' | 'ALLOW_PRIVATE_MEDIA_URLS' | 'MEDIA_URL_DNS_TIMEOUT_MS'
> & Parameters<typeof messageJobAttempts>[0];

/** The real service over Redis and the message queue; whatsapp-server's wiring builds one and shares it. */
export function createAddMessageService(config: AddMessageConfig, redis: Redis, queue: AppQueue<'message'>): AddMessageService {
  const keys = redisKeys(config.QUEUE_PREFIX);
  return new AddMessageService({
    instances: new InstanceCache(new InstanceRegistry(redis, keys), config.INSTANCE_CACHE_MS),
    enqueuer: new MessageEnqueuer(queue, redis, keys, { idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS, attempts: messageJobAttempts(config) }),
    checkMediaUrl: (url) => assertPublicHttpUrl(url, { allowPrivate: config.ALLOW_PRIVATE_MEDIA_URLS, dnsTimeoutMs: config.MEDIA_URL_DNS_TIMEOUT_MS, field: 'mediaUrl' }),
    maxScheduleMs: config.MESSAGE_MAX_SCHEDULE_DAYS * 86_400_000,
  });
}
