/**
 * Builds the send pipeline of a worker process from config: the WhatsApp sender (the internal API,
 * or the owning shard), Messenger's Graph sender, the pacer, the budget, the circuit breaker and
 * the status store. close() frees sockets and timers.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import type { Logger } from '../shared/logger';
import { redisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import type { AnyEventInput } from '../events/envelope';
import { createWhatsAppSender } from '../cluster/whatsapp-sender';
import { ChannelSenders } from '../channels/sender';
import { Channel, DEFAULT_CHANNEL } from '../channels/channel';
import type { InstanceSettings } from '../whatsapp/types';
import { Pacer } from '../pacing/pacer';
import { createSendBudget } from '../budget/create-budget';
import type { BudgetInstance } from '../budget/limits';
import { CircuitBreaker } from '../pacing/circuit-breaker';
import { StatusStore } from './status-store';
import type { TypingOptions } from './typing';
import { createMessengerSender, GraphClient } from '../messenger';
import { SendPipeline, SendPipelineParts } from './send-pipeline';

export interface SendPipelineDeps {
  config: Config;
  logger: Logger;
  /** fail-fast command connection of the process */
  redis: Redis;
  /** where 'instance.circuit' events go (EventPublisher.publish) */
  publish: (event: AnyEventInput) => unknown;
  /** per-instance settings (InstanceCache.settings) */
  settings: (instanceId: string) => Promise<InstanceSettings | undefined>;
  /** the instance's record for the budget (InstanceCache.get: settings, createdAt, linkedAt); default: its settings only */
  instance?: (instanceId: string) => Promise<BudgetInstance | undefined>;
  /** the budget's clock (tests inject one) */
  now?: () => number;
  /** metrics hook (see SendPipelineParts.onHold) */
  onHold?: SendPipelineParts['onHold'];
  /** the instance's channel (InstanceCache.channel); default: every instance is WhatsApp */
  channelOf?: (instanceId: string) => Promise<Channel>;
  /** keep-alive sockets to whatsapp-server (the worker's concurrency is enough) */
  maxSockets?: number;
  /** metrics hook (see SendPipelineParts.onOutcome) */
  onOutcome?: SendPipelineParts['onOutcome'];
}

/** Builds the pipeline and its parts from config; close() frees sockets and timers. */
export function createSendPipeline(deps: SendPipelineDeps): { pipeline: SendPipeline; close(): void; graph: GraphClient } {
  const { config, logger, redis } = deps;
  const keys = redisKeys(config.QUEUE_PREFIX);
  if (!config.INTERNAL_TOKEN) throw new AppError('internal', 'INTERNAL_TOKEN is required to send');
  // one server: its internal API; sharded servers: the shard that holds each instance (src/cluster/)
  const client = createWhatsAppSender(config, redis, deps.maxSockets);
  const typing: TypingOptions = { enabled: config.TYPING_SIMULATION, msPerChar: config.TYPING_MS_PER_CHAR, maxMs: config.TYPING_MAX_MS, settings: deps.settings };
  const pacer = new Pacer(redis, keys, {
    minGapMs: config.PACING_MIN_GAP_MS,
    jitterMs: config.PACING_JITTER_MS,
    leaseMs: config.INTERNAL_SEND_TIMEOUT_MS + config.TYPING_MAX_MS + 5000,
    settings: deps.settings,
  });
  // the budget reads what whatsapp-server keeps too: restriction state, the chats that wrote to us, health inputs
  const instance = deps.instance ?? (async (id: string) => ({ settings: await deps.settings(id) }));
  const budget = createSendBudget(config, redis, { instance, publish: deps.publish, now: deps.now });
  const breaker = new CircuitBreaker(redis, keys, { threshold: config.CIRCUIT_FAILURE_THRESHOLD, pauseMs: config.CIRCUIT_PAUSE_MS, publish: deps.publish, logger });
  const statuses = new StatusStore(redis, keys, config.MESSAGE_RETENTION_DAYS);
  // Messenger pages through the Graph API (its own pool, page breaker and rates)
  const messenger = createMessengerSender(config, redis, logger, deps.publish);
  const senders = new ChannelSenders([client, messenger.sender]);
  const channelOf = deps.channelOf ?? (async () => DEFAULT_CHANNEL);
  const pipeline = new SendPipeline({ senders, channelOf, pacer, budget, breaker, statuses, typing, logger, onOutcome: deps.onOutcome, onHold: deps.onHold });
  return {
    pipeline,
    graph: messenger.graph,
    close() {
      breaker.close();
      senders.close();
    },
  };
}
