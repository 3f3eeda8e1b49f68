import { randomBytes } from 'node:crypto';
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import type { SendContent } from '../channels/content';
import { campaignMessageId } from '../whatsapp/ids';
import { classifySendError, instanceVerdict, stopError } from './classify';
import { campaignContent } from './content';
import { GateDeps, SendGate } from './gate';
import { CampaignPublish, ProgressReporter } from './progress';
import type { CampaignStore, RecipientFinal, RecipientSlot } from './store';
import type { PacingDefaults } from './summary';
import { CampaignRecord, FINISHED_STATUSES } from './types';

/**
 * One send through the shared send path (circuit -> pacer -> internal send); throws AppError.
 * checkNumber (the campaign's checkNumbers): the pipeline looks the phone up first; not_on_whatsapp fails the recipient.
 */
export type CampaignSender = (request: { campaignId: string; instanceId: string; to: string; content: SendContent; messageId: string; minGapMs?: number; checkNumber?: boolean }) => Promise<void>;

export interface RunnerDeps extends Omit<GateDeps, 'store'> {
  store: CampaignStore;
  logger: Logger;
  send: CampaignSender;
  publish: CampaignPublish;
  /** true when the recipient opted out (SendBudget.suppressed): skipped, counted as suppressed */
  suppressed?: (instanceId: string, to: string) => Promise<boolean>;
  recipientAttempts: number;
  progressEvery: number;
  progressIntervalMs: number;
  /** run lock TTL: a crashed runner's lock frees within it (matches the queue's lock duration) */
  lockMs: number;
  pacing: PacingDefaults;
  /** each recipient's final outcome, after it is stored (the message log; absent with MESSAGE_LOG=off) */
  onOutcome?: (outcome: RecipientOutcome) => Promise<void>;
}

export interface RecipientOutcome {
  campaignId: string;
  instanceId: string;
  messageId: string;
  to: string;
  sent: boolean;
  type: string;
  code?: string;
  reason?: string;
}

const BATCH = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one campaign from where it stands (its cursor), recipient by recipient, in list order.
 * Crash policy: a recipient is marked `sending` before its send and `sent`/`failed` after it, in
 * Redis. A run that finds a recipient `sending` (the previous worker died mid-send) sends it again
 * with the same stable message id (campaignMessageId): whatsapp-server's internal send is
 * idempotent on that id, so if the first attempt reached WhatsApp the repeat returns its result and
 * nothing is sent twice. `sent` and `failed` recipients are never sent again.
 */
export async function runCampaign(deps: RunnerDeps, campaignId: string, closing: () => boolean): Promise<string> {
  const record = await deps.store.get(campaignId);
  if (!record) {
    deps.logger.warn('campaign job without campaign data (expired or removed)', { campaignId });
    return 'missing';
  }
  if (FINISHED_STATUSES.has(record.status)) return record.status;
  const token = randomBytes(8).toString('hex');
  const lockKey = deps.store.keys.campaignLock(campaignId);
  if (!(await deps.store.redis.campaignLock(lockKey, token, deps.lockMs, 'acquire'))) {
    const ttl = await deps.store.redis.pttl(lockKey);
    throw new AppError('transient', `campaign ${campaignId} is being run by another worker`, undefined, { retryAfterMs: Math.max(ttl, 100) + 50 });
  }
  const renew = setInterval(() => {
    deps.store.redis.campaignLock(lockKey, token, deps.lockMs, 'renew').catch(() => undefined);
  }, Math.max(Math.floor(deps.lockMs / 3), 100));
  try {
    return await new CampaignRun(deps, record, closing).execute();
  } finally {
    clearInterval(renew);
    await deps.store.redis.campaignLock(lockKey, token, deps.lockMs, 'release').catch(() => undefined);
  }
}

/**
 * The campaign stops by itself: status failed with the reason, kept for the retention (resume
 * re-opens it), 'campaign.stopped' reported. False when it had already finished otherwise.
 */
export async function stopCampaign(deps: RunnerDeps, record: Pick<CampaignRecord, 'campaignId' | 'instanceId'>, error: AppError, progress?: ProgressReporter): Promise<boolean> {
  const { store } = deps;
  const id = record.campaignId;
  const r = await store.transition(id, ['running', 'scheduled', 'paused'], 'failed', { finish: true, error: { message: error.message, code: error.code } });
  await store.setHold(id, undefined);
  if (!r.ok) return false;
  await store.expireFinished(id);
  deps.logger.warn('campaign stopped', { campaignId: id, instanceId: record.instanceId, code: error.code, error: error.message });
  const reporter = progress ?? new ProgressReporter(store, id, record.instanceId, deps.publish, { every: deps.progressEvery, intervalMs: deps.progressIntervalMs, pacing: deps.pacing, logger: deps.logger });
  await reporter.emit('campaign.stopped', { reason: error.code, message: error.message });
  return true;
}

class CampaignRun {
  private readonly gate: SendGate;
  private readonly progress: ProgressReporter;
  private readonly id: string;

  constructor(private readonly deps: RunnerDeps, private readonly record: CampaignRecord, closing: () => boolean) {
    this.id = record.campaignId;
    this.gate = new SendGate(deps, record.campaignId, record.instanceId, closing);
    this.progress = new ProgressReporter(deps.store, record.campaignId, record.instanceId, deps.publish, {
      every: deps.progressEvery,
      intervalMs: deps.progressIntervalMs,
      pacing: deps.pacing,
      logger: deps.logger,
    });
  }

  async execute(): Promise<string> {
    let cursor = this.record.cursor;
    let announced = false;
    for (;;) {
      const slots = await this.deps.store.slots(this.id, cursor, BATCH, this.record.templated);
      if (!slots.length) return this.complete();
      for (const slot of slots) {
        if (slot.state === 'sent' || slot.state === 'failed' || slot.state === 'suppressed') continue;
        const content = campaignContent(this.record, slot.vars);
        const gate = await this.gate.pass(slot.to, 'error' in content ? undefined : content);
        if (!gate.go) return 'end' in gate ? this.ended() : this.stop(gate.stop);
        // asked after the gate, right before the send: an opt-out that arrived during a hold counts
        if (await this.isSuppressed(slot)) {
          await this.finalize(slot, { sent: false, reason: 'the contact opted out (suppression list)', code: 'suppressed' });
          await this.progress.tick();
          continue;
        }
        if (!announced) {
          announced = true;
          this.deps.logger.info('campaign running', { campaignId: this.id, instanceId: this.record.instanceId, from: slot.index, total: this.record.total });
          await this.progress.emit('campaign.progress');
        }
        const result = await this.sendOne(slot, content);
        if (result !== 'done') return result;
        await this.progress.tick();
      }
      cursor = slots[slots.length - 1].index + 1;
    }
  }

  private async isSuppressed(slot: RecipientSlot): Promise<boolean> {
    return (await this.deps.suppressed?.(this.record.instanceId, slot.to)) === true;
  }

  /** Moves a recipient to its final state; only the call that moved it reports it (a re-run never logs one outcome twice). */
  private async finalize(slot: RecipientSlot, result: RecipientFinal, type?: string): Promise<void> {
    if (!(await this.deps.store.finalize(this.id, slot, result))) return;
    const messageId = campaignMessageId(this.id, slot.to);
    await this.deps.onOutcome?.({ campaignId: this.id, instanceId: this.record.instanceId, messageId, to: slot.to, type: type ?? this.record.mediaType, ...result });
  }

  /** Sends one recipient to a final state; 'stopped' / 'ended' when the campaign must not go on. */
  private async sendOne(slot: RecipientSlot, content: SendContent | { error: string }): Promise<string> {
    const { store } = this.deps;
    const messageId = campaignMessageId(this.id, slot.to);
    const finalize = (result: RecipientFinal) => this.finalize(slot, result, 'error' in content ? this.record.mediaType : content.type);
    if ('error' in content) {
      await finalize({ sent: false, reason: content.error, code: 'empty_message' });
      return 'done';
    }
    if (slot.state !== 'sending') await store.markSending(this.id, slot.to, messageId);
    let failures = 0;
    for (;;) {
      try {
        await this.deps.send({ campaignId: this.id, instanceId: this.record.instanceId, to: slot.to, content, messageId, minGapMs: this.record.rateLimitMs, checkNumber: this.record.checkNumbers === true });
        await finalize({ sent: true });
        return 'done';
      } catch (err) {
        const { verdict, error } = classifySendError(err);
        if (verdict === 'recipient') {
          await finalize({ sent: false, reason: error.message, code: error.code });
          return 'done';
        }
        if (verdict === 'stop') return this.stop(error);
        if (verdict === 'hold' && error.code === 'instance_not_connected') {
          const status = await this.deps.instanceStatus(this.record.instanceId);
          if (instanceVerdict(status) === 'stop') return this.stop(stopError(status, this.record.instanceId));
          this.gate.waitingForConnection = true;
        }
        if (verdict === 'retry') {
          failures++;
          this.deps.logger.warn('campaign send failed', { campaignId: this.id, to: slot.to, attempt: failures, code: error.code, error: error.message });
          if (failures >= this.deps.recipientAttempts) {
            await finalize({ sent: false, reason: error.message, code: error.code });
            return 'done';
          }
          await sleep(Math.min(1000 * 2 ** (failures - 1), 30_000));
        } else {
          await sleep(200); // a hold reported by the send itself: never spin
        }
        const gate = await this.gate.pass(slot.to, content);
        if (!gate.go) return 'end' in gate ? this.ended() : this.stop(gate.stop);
      }
    }
  }

  private async complete(): Promise<string> {
    const { store } = this.deps;
    const done = await store.transition(this.id, ['running', 'paused', 'scheduled'], 'completed', { finish: true });
    await store.setHold(this.id, undefined);
    await store.expireFinished(this.id);
    if (!done.ok) return this.ended();
    this.deps.logger.info('campaign completed', { campaignId: this.id });
    await this.progress.emit('campaign.completed');
    return 'completed';
  }

  /** Cancelled (or finished elsewhere) while running. */
  private async ended(): Promise<string> {
    const status = (await this.deps.store.status(this.id)) ?? 'missing';
    if (status === 'cancelled') {
      await this.deps.store.setHold(this.id, undefined);
      this.deps.logger.info('campaign cancelled', { campaignId: this.id });
      await this.progress.emit('campaign.completed');
    }
    return status;
  }

  private async stop(error: AppError): Promise<string> {
    return (await stopCampaign(this.deps, this.record, error, this.progress)) ? 'stopped' : this.ended();
  }
}
