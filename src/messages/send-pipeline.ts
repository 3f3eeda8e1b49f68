import type { Logger } from '../shared/logger';
import { AppError, isAppError } from '../shared/errors';
import { ChannelSender, ChannelSenders, ChannelSendResult } from '../channels/sender';
import type { Channel } from '../channels/channel';
import type { SendContent } from '../channels/content';
import { Pacer, PacePriority } from '../pacing/pacer';
import type { SendBudget } from '../budget/send-budget';
import type { BudgetHoldReason } from '../budget/hold';
import type { Reservation } from '../budget/windows';
import { BudgetStep } from './budget-step';
import { CircuitBreaker, countsAsInstanceFailure } from '../pacing/circuit-breaker';
import { StatusStore } from './status-store';
import { typingDelayMs, TypingOptions } from './typing';

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
  /** add-message force: send even to a recipient on the suppression list (opted out) */
  force?: boolean;
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
  /** the number's send budget: caps, warm-up, new chats, identical content, suppressions, health */
  budget: SendBudget;
  breaker: CircuitBreaker;
  statuses: StatusStore;
  typing: TypingOptions;
  logger: Logger;
  /** metrics hook: one call per attempt that reached WhatsApp ('sent', 'duplicate' or 'error') */
  onOutcome?: (instanceId: string, outcome: SendAttemptOutcome) => void;
  /** metrics hook: a send held by a budget rule */
  onHold?: (instanceId: string, rule: BudgetHoldReason) => void;
}

export type SendAttemptOutcome = 'sent' | 'duplicate' | 'error';

/**
 * The one send path of message-worker and broadcast-worker:
 * suppression and budget check -> circuit check -> pacing slot -> budget reservation (atomic, inside
 * the slot) -> optional typing -> internal send -> outcome recorded (circuit breaker, status store,
 * the reservation committed, or refunded when the send never reached WhatsApp). Returns the
 * WhatsApp result or throws a classified AppError: circuit_open / rate_limited+paced / budget_held /
 * restricted carry retryAfterMs and are waits, not failures; suppressed is final; retryable errors
 * may be tried again with the same messageId. Finality (message.failed) is the caller's decision:
 * only it knows how many attempts are left.
 */
export class SendPipeline {
  private readonly budgetStep: BudgetStep;

  constructor(private readonly parts: SendPipelineParts) {
    this.budgetStep = new BudgetStep(parts);
  }

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
    // the budget is WhatsApp's anti-ban rules; Messenger has its own rates (its sender)
    const step = this.budgetStep;
    const plan = channel === 'whatsapp' ? await step.admit(req, track) : undefined;
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
    const lease = await pacer.acquire(req.instanceId, { priority: req.priority, minGapMs: await step.gap(req, plan), maxWaitMs: req.maxWaitMs, ignoreDefaults: channel !== 'whatsapp' });
    let reservation: Reservation | undefined;
    try {
      // inside the slot, so the windows count the send where WhatsApp sees it
      reservation = plan ? await step.reserve(plan, req, track) : undefined;
    } catch (err) {
      await lease.release().catch((x: Error) => this.warn('pacing release failed', req, x));
      throw err;
    }
    let result: ChannelSendResult;
    try {
      const to = req.checkNumber ? await this.recipient(req, sender) : req.to;
      await this.type({ ...req, to }, sender);
      result = await sender.send({ instanceId: req.instanceId, to, content: req.content, messageId: req.messageId });
    } catch (err) {
      const e = isAppError(err) ? err : new AppError('transient', (err as Error).message);
      // a number found not on WhatsApp never reached a send
      if (e.code !== 'not_on_whatsapp') this.parts.onOutcome?.(req.instanceId, 'error');
      await step.failed(req, reservation, e);
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
      reservation ? step.commit(req, reservation, result.duplicate === true) : undefined,
      breaker.recordSuccess(req.instanceId, circuit.failures),
      track ? statuses.apply(req.messageId, 'sent', { waMessageId: result.waMessageId, jid: result.jid, attempts: req.attempt }) : undefined,
    ]);
    return { ...result, waitedMs: lease.waitedMs };
  }

  /** The recipient's registered form (cached by whatsapp-server), or AppError not_on_whatsapp (final). */
  private async recipient(req: SendRequest, sender: ChannelSender): Promise<string> {
    if (!sender.checkRecipient) throw new AppError('bad_request', `channel ${sender.channel} cannot check numbers (checkNumber)`, { channel: sender.channel }, { retryable: false });
    const checked = await sender.checkRecipient(req.instanceId, req.to);
    if (!checked.exists) throw new AppError('not_on_whatsapp', `${req.to} is not on WhatsApp`, { to: req.to }, { retryable: false });
    return checked.to;
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
