import type { Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { internalApiUrl } from '../shared/config';
import type { Logger } from '../shared/logger';
import { redisKeys } from '../shared/keys';
import { AppError, isAppError } from '../shared/errors';
import type { AnyEventInput } from '../events/envelope';
import { InternalClient } from '../whatsapp/internal-client';
import { ChannelSender, ChannelSenders, ChannelSendResult } from '../channels/sender';
import { Channel, DEFAULT_CHANNEL } from '../channels/channel';
import type { InstanceSettings } from '../whatsapp/types';
import type { SendContent } from '../channels/content';
import { Pacer, PacePriority } from '../pacing/pacer';
import { SendBudget } from '../budget/send-budget';
import { parseQuietHours } from '../budget/quiet-hours';
import { newChatHoldError } from '../budget/new-chat-hold';
import { RestrictionStore } from '../whatsapp/restriction-store';
import { InboundChats } from '../whatsapp/inbound-chats';
import { CircuitBreaker, countsAsInstanceFailure } from '../pacing/circuit-breaker';
import { StatusStore } from './status-store';
import { typingDelayMs, TypingOptions } from './typing';
import { createMessengerSender, GraphClient } from '../messenger';

export interface SendRequest {
  instanceId: string;
  to: string;
  content: SendContent;
  /** our id = the WhatsApp message id; a retry with the same id never sends twice */
  messageId: string;
  priority: PacePriority;
  /** caller's minimum gap (a campaign's rateLimitMs) */
  minGapMs?: number;
  /** longest wait for the pacing slot before AppError rate_limited (paced); default: wait */
  maxWaitMs?: number;
  /** write the status record (sending, sent, lastError); default true */
  track?: boolean;
  /** number of this send attempt, shown in the status record */
  attempt?: number;
  /** when the message was accepted (ms), for the status record */
  queuedAt?: number;
  /** extra status fields (campaignId) */
  fields?: Record<string, string | number | undefined>;
  /**
   * look the recipient up first (add-message checkNumber, add-broadcast checkNumbers): send to its
   * registered form, or throw not_on_whatsapp without sending. The lookup happens inside the pacing
   * slot, so lookups keep the send rhythm (bursts of lookups are a ban signal of their own).
   */
  checkNumber?: boolean;
}

export interface SendOutcome extends ChannelSendResult {
  /** ms spent waiting for the pacing slot */
  waitedMs: number;
}

export interface SendPipelineParts {
  /** one sender per channel; the instance's channel picks it */
  senders: ChannelSenders;
  /** the channel of an instance (registry, cached) */
  channelOf: (instanceId: string) => Promise<Channel>;
  pacer: Pacer;
  /** daily cap and its counter (single messages are counted here; campaigns in their finalize script) */
  budget: SendBudget;
  breaker: CircuitBreaker;
  statuses: StatusStore;
  typing: TypingOptions;
  logger: Logger;
  /** metrics hook: one call per attempt that reached WhatsApp ('sent', 'duplicate' or 'error') */
  onOutcome?: (instanceId: string, outcome: SendAttemptOutcome) => void;
}

export type SendAttemptOutcome = 'sent' | 'duplicate' | 'error';

/**
 * The one send path of message-worker and broadcast-worker:
 * circuit check -> pacing slot -> optional typing -> internal send -> outcome recorded
 * (circuit breaker, status store, a single message's daily count). Returns the WhatsApp result or
 * throws a classified AppError: circuit_open / rate_limited+paced carry retryAfterMs and are waits,
 * not failures; retryable errors may be tried again with the same messageId; the rest are final.
 * Finality (message.failed) is the caller's decision: only it knows how many attempts are left.
 */
export class SendPipeline {
  constructor(private readonly parts: SendPipelineParts) {}

  get pacer(): Pacer {
    return this.parts.pacer;
  }

  get budget(): SendBudget {
    return this.parts.budget;
  }

  get breaker(): CircuitBreaker {
    return this.parts.breaker;
  }

  get statuses(): StatusStore {
    return this.parts.statuses;
  }

  async send(req: SendRequest): Promise<SendOutcome> {
    const { breaker, pacer, statuses } = this.parts;
    const channel = await this.parts.channelOf(req.instanceId);
    const sender = this.parts.senders.for(channel);
    const track = req.track !== false;
    if (req.priority === 'single') await this.holdNewChat(req, track);
    const [circuit] = await Promise.all([
      breaker.assertClosed(req.instanceId),
      track
        ? statuses.apply(req.messageId, 'sending', {
            instanceId: req.instanceId,
            to: req.to,
            type: req.content.type,
            attempts: req.attempt,
            queuedAt: req.queuedAt ? new Date(req.queuedAt).toISOString() : undefined,
            ...req.fields,
          })
        : undefined,
    ]);
    // the global gap and jitter are WhatsApp's anti-ban rhythm; Messenger has its rates (sender) instead
    const lease = await pacer.acquire(req.instanceId, { priority: req.priority, minGapMs: req.minGapMs, maxWaitMs: req.maxWaitMs, ignoreDefaults: channel !== 'whatsapp' });
    let result: ChannelSendResult;
    try {
      const to = req.checkNumber ? await this.recipient(req, sender) : req.to;
      await this.type({ ...req, to }, sender);
      result = await sender.send({ instanceId: req.instanceId, to, content: req.content, messageId: req.messageId });
    } catch (err) {
      const e = isAppError(err) ? err : new AppError('transient', (err as Error).message);
      // a number found not on WhatsApp never reached a send
      if (e.code !== 'not_on_whatsapp') this.parts.onOutcome?.(req.instanceId, 'error');
      if (countsAsInstanceFailure(e)) await breaker.recordFailure(req.instanceId, `${e.code}: ${e.message}`).catch((x: Error) => this.warn('circuit update failed', req, x));
      if (track) {
        await statuses.apply(req.messageId, 'sending', { lastError: JSON.stringify({ code: e.code, message: e.message }) }).catch((x: Error) => this.warn('status update failed', req, x));
      }
      throw e;
    } finally {
      await lease.release().catch((x: Error) => this.warn('pacing release failed', req, x));
    }
    this.parts.onOutcome?.(req.instanceId, result.duplicate ? 'duplicate' : 'sent');
    await Promise.all([
      this.countSingle(req, result),
      breaker.recordSuccess(req.instanceId, circuit.failures),
      track ? statuses.apply(req.messageId, 'sent', { waMessageId: result.waMessageId, jid: result.jid, attempts: req.attempt }) : undefined,
    ]);
    return { ...result, waitedMs: lease.waitedMs };
  }

  /**
   * A single message that reached WhatsApp counts against the daily cap campaigns use (one number,
   * one budget), but is never held by it (SendBudget.check). A duplicate was counted by the attempt
   * that sent it; campaigns count in their finalize script. A failed count never causes a retry.
   */
  private async countSingle(req: SendRequest, result: ChannelSendResult): Promise<void> {
    if (req.priority !== 'single' || result.duplicate === true) return;
    await this.parts.budget.countSend(req.instanceId).catch((x: Error) => this.warn('daily count failed', req, x));
  }

  /** The recipient's registered form (cached by whatsapp-server), or AppError not_on_whatsapp (final). */
  private async recipient(req: SendRequest, sender: ChannelSender): Promise<string> {
    if (!sender.checkRecipient) throw new AppError('bad_request', `channel ${sender.channel} cannot check numbers (checkNumber)`, { channel: sender.channel }, { retryable: false });
    const checked = await sender.checkRecipient(req.instanceId, req.to);
    if (!checked.exists) throw new AppError('not_on_whatsapp', `${req.to} is not on WhatsApp`, { to: req.to }, { retryable: false });
    return checked.to;
  }

  /**
   * The budget's one rule for single messages: while WhatsApp restricts the number, a message that
   * would open a new chat waits (AppError restricted with retryAfterMs, a wait: message-handler
   * counts it apart from attempts), while replies to chats that wrote to us go on. Campaigns ask the
   * same rule in their gate, before each recipient.
   */
  private async holdNewChat(req: SendRequest, track: boolean): Promise<void> {
    const hold = await this.parts.budget.check(req.instanceId, 'single', { to: req.to });
    if (!hold) return;
    const e = newChatHoldError(hold, req.instanceId, req.to);
    if (track) {
      const lastError = JSON.stringify({ code: e.code, message: e.message });
      await this.parts.statuses
        .apply(req.messageId, 'sending', { instanceId: req.instanceId, to: req.to, type: req.content.type, lastError, ...req.fields })
        .catch((x: Error) => this.warn('status update failed', req, x));
    }
    throw e;
  }

  /** Typing simulation: "composing" for a time that grows with the text, then the send. */
  private async type(req: SendRequest, sender: ChannelSender): Promise<void> {
    const ms = await typingDelayMs(req.content, this.parts.typing, req.instanceId);
    if (ms <= 0) return;
    try {
      await sender.presence(req.instanceId, req.to, 'composing');
    } catch (err) {
      // best effort: a failed presence never blocks the message
      this.parts.logger.debug('presence failed', { instanceId: req.instanceId, error: (err as Error).message });
      return;
    }
    await new Promise((r) => setTimeout(r, ms));
  }

  private warn(what: string, req: SendRequest, err: Error): void {
    this.parts.logger.warn(what, { instanceId: req.instanceId, messageId: req.messageId, error: err.message });
  }
}

export interface SendPipelineDeps {
  config: Config;
  logger: Logger;
  /** fail-fast command connection of the process */
  redis: Redis;
  /** where 'instance.circuit' events go (EventPublisher.publish) */
  publish: (event: AnyEventInput) => unknown;
  /** per-instance settings (InstanceCache.settings) */
  settings: (instanceId: string) => Promise<InstanceSettings | undefined>;
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
  const client = new InternalClient({ baseUrl: internalApiUrl(config), token: config.INTERNAL_TOKEN, sendTimeoutMs: config.INTERNAL_SEND_TIMEOUT_MS, maxSockets: deps.maxSockets });
  const typing: TypingOptions = { enabled: config.TYPING_SIMULATION, msPerChar: config.TYPING_MS_PER_CHAR, maxMs: config.TYPING_MAX_MS, settings: deps.settings };
  const pacer = new Pacer(redis, keys, {
    minGapMs: config.PACING_MIN_GAP_MS,
    jitterMs: config.PACING_JITTER_MS,
    leaseMs: config.INTERNAL_SEND_TIMEOUT_MS + config.TYPING_MAX_MS + 5000,
    settings: deps.settings,
  });
  const retentionMs = config.MESSAGE_RETENTION_DAYS * 86_400_000;
  // the new-chat rule reads what whatsapp-server keeps: restriction state and the chats that wrote to us
  const newChats = { restrictions: new RestrictionStore(redis, keys, retentionMs), chats: new InboundChats(redis, keys, retentionMs) };
  const budget = new SendBudget(redis, keys, { dailyCap: config.BROADCAST_DAILY_CAP, quietHours: parseQuietHours(config.BROADCAST_QUIET_HOURS), settings: deps.settings, newChats });
  const breaker = new CircuitBreaker(redis, keys, { threshold: config.CIRCUIT_FAILURE_THRESHOLD, pauseMs: config.CIRCUIT_PAUSE_MS, publish: deps.publish, logger });
  const statuses = new StatusStore(redis, keys, config.MESSAGE_RETENTION_DAYS);
  // Messenger pages through the Graph API (its own pool, page breaker and rates)
  const messenger = createMessengerSender(config, redis, logger, deps.publish);
  const senders = new ChannelSenders([client, messenger.sender]);
  const channelOf = deps.channelOf ?? (async () => DEFAULT_CHANNEL);
  const pipeline = new SendPipeline({ senders, channelOf, pacer, budget, breaker, statuses, typing, logger, onOutcome: deps.onOutcome });
  return {
    pipeline,
    graph: messenger.graph,
    close() {
      breaker.close();
      senders.close();
    },
  };
}
