import { randomBytes } from 'node:crypto';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { SendBudget, SendPlan } from '../budget/send-budget';
import { budgetHoldError, BudgetHold, BudgetHoldReason } from '../budget/hold';
import type { Reservation } from '../budget/windows';
import type { Pacer } from '../pacing/pacer';
import type { StatusStore } from './status-store';
import type { SendRequest } from './send-pipeline';

// A reservation's token only has to differ between attempts and processes: a random prefix per
// process and a counter, instead of a synchronous randomBytes call per send (1 % of the worker's CPU).
const PROCESS_TAG = randomBytes(4).toString('hex');
let reservations = 0;
function reservationSuffix(): string {
  reservations = (reservations + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_TAG}${reservations.toString(36)}`;
}

export interface BudgetStepParts {
  budget: SendBudget;
  pacer: Pick<Pacer, 'budget'>;
  statuses: Pick<StatusStore, 'apply'>;
  logger: Logger;
  onHold?: (instanceId: string, rule: BudgetHoldReason) => void;
}

/**
 * The send pipeline's budget steps, in the order a send meets them:
 * admit (before the pacing slot: suppression, the plan, a single message's holds) -> gap (the
 * pacing gap, longer while health is slow) -> reserve (inside the slot, atomic: the send's places
 * in every window) -> commit or refund (after the send: it reached WhatsApp, or it did not).
 * A held send says which rule held it: the status record's lastError and hold.
 */
export class BudgetStep {
  constructor(private readonly parts: BudgetStepParts) {}

  /**
   * A single message to a contact that opted out fails `suppressed` (unless force); one the budget
   * holds waits (budget_held / restricted with retryAfterMs: message-handler counts it apart from
   * attempts). A campaign's gate asked the same rules before this recipient and skipped suppressed
   * ones itself; its reservation enforces them.
   */
  async admit(req: SendRequest, track: boolean): Promise<SendPlan> {
    const { budget } = this.parts;
    if (req.priority === 'single' && !req.force && (await budget.suppressed(req.instanceId, req.to))) {
      throw new AppError('suppressed', `${req.to} opted out of messages from instance ${req.instanceId} (suppression list); send with "force": true to override`, { to: req.to }, { retryable: false });
    }
    const plan = await budget.plan(req.instanceId, req.priority, { to: req.to, content: req.content });
    if (req.priority === 'single') {
      const hold = await budget.holdFor(plan);
      if (hold) throw await this.held(req, hold, track);
    }
    return plan;
  }

  /** While health is `slow` the gap grows by 1 / HEALTH_SLOW_FACTOR (the plan's caps shrink by it). */
  async gap(req: SendRequest, plan: SendPlan | undefined): Promise<number | undefined> {
    if (!plan?.limits.slowed) return req.minGapMs;
    const { gapMs } = await this.parts.pacer.budget(req.instanceId, req.minGapMs);
    return Math.round(gapMs / this.parts.budget.defaults.health.slowFactor);
  }

  /** The send's places, taken atomically; a hold found now (another process took the last place) waits. */
  async reserve(plan: SendPlan, req: SendRequest, track: boolean): Promise<Reservation> {
    const r = await this.parts.budget.reserve(plan, `${req.messageId}:${reservationSuffix()}`);
    if ('hold' in r) throw await this.held(req, r.hold, track);
    return r.reservation;
  }

  /** The send reached WhatsApp: it counts (a duplicate was counted by the attempt that sent it). Never throws. */
  async commit(req: SendRequest, reservation: Reservation, duplicate: boolean): Promise<void> {
    const sent = { messageId: req.messageId, duplicate, campaignRecipient: req.priority === 'campaign' ? req.to : undefined };
    await this.parts.budget.commit(reservation, sent).catch((x: Error) => this.warn('budget commit failed', req, x));
  }

  /** The send failed: its places are free again, unless it timed out (it may have gone out). Never throws. */
  async failed(req: SendRequest, reservation: Reservation | undefined, e: AppError): Promise<void> {
    if (!reservation || e.code === 'timeout') return;
    await this.parts.budget.refund(reservation).catch((x: Error) => this.warn('budget refund failed', req, x));
  }

  private async held(req: SendRequest, hold: BudgetHold, track: boolean): Promise<AppError> {
    const e = budgetHoldError(hold, req.instanceId, req.to, this.parts.budget.now());
    this.parts.onHold?.(req.instanceId, hold.hold);
    if (track) {
      const fields = { lastError: JSON.stringify({ code: e.code, message: e.message }), hold: JSON.stringify({ rule: hold.hold, until: new Date(hold.until).toISOString() }) };
      await this.parts.statuses
        .apply(req.messageId, 'sending', { instanceId: req.instanceId, to: req.to, type: req.content.type, ...fields, ...req.fields })
        .catch((x: Error) => this.warn('status update failed', req, x));
    }
    return e;
  }

  private warn(what: string, req: SendRequest, err: Error): void {
    this.parts.logger.warn(what, { instanceId: req.instanceId, messageId: req.messageId, error: err.message });
  }
}
