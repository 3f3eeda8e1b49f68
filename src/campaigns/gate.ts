import { AppError } from '../shared/errors';
import type { InstanceStatus } from '../whatsapp/types';
import { instanceVerdict, stopError } from './classify';
import type { SendBudget } from '../budget/send-budget';
import type { SendContent } from '../channels/content';
import type { CampaignStore } from './store';
import type { HoldReason } from './types';

export interface GateDeps {
  store: CampaignStore;
  circuit: { state(instanceId: string): Promise<{ open: boolean; retryAfterMs: number }> };
  instanceStatus: (instanceId: string) => Promise<InstanceStatus | undefined>;
  /** every rule of the instance's budget (caps, warm-up, new chats, identical content, health, quiet hours, restrictions), shared with single messages */
  budget: Pick<SendBudget, 'check'>;
  /** how often a paused campaign looks at its status (resume latency) */
  pollMs: number;
  /** how often a held campaign looks again (circuit, quiet hours, cap, reconnect) */
  holdPollMs: number;
  /** metrics hook: a hold of the campaign began (once per reason, not per look) */
  onHold?: (instanceId: string, reason: HoldReason) => void;
}

export type GateResult = { go: true } | { go: false; end: true } | { go: false; stop: AppError };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The check before every send: the campaign's status (pause / resume / cancel from the API take
 * effect here, so within one send interval) and the safety holds (circuit open, quiet hours, daily
 * cap, instance reconnecting, and `restricted` / `new_chat_cap` while WhatsApp forbids the number to
 * start new chats and the next recipient has not written to us: that hold lifts by itself when the
 * restriction ends, since the gate asks again every holdPollMs). A held campaign keeps its job and waits, showing the hold in its
 * status; a worker shutting down throws (the job is retried by the next worker).
 */
export class SendGate {
  private holdShown: HoldReason | undefined;
  /** set after a send found the instance not connected: wait until it is again */
  waitingForConnection = false;

  constructor(private readonly deps: GateDeps, private readonly campaignId: string, private readonly instanceId: string, private readonly closing: () => boolean) {}

  /** `to` and `content`: the recipient about to be sent and its rendered message (new chats, identical content). */
  async pass(to?: string, content?: SendContent): Promise<GateResult> {
    const { store } = this.deps;
    for (;;) {
      if (this.closing()) throw shuttingDown();
      const status = await store.status(this.campaignId);
      if (!status || status === 'cancelled' || status === 'completed' || status === 'failed') return { go: false, end: true };
      if (status === 'paused') {
        await sleep(this.deps.pollMs);
        continue;
      }
      if (status === 'scheduled') await store.transition(this.campaignId, ['scheduled'], 'running');
      const hold = await this.hold(to, content);
      if (hold && 'stop' in hold) return { go: false, stop: hold.stop };
      if (hold) {
        if (hold.reason !== this.holdShown) {
          await store.setHold(this.campaignId, hold.reason, hold.until);
          this.deps.onHold?.(this.instanceId, hold.reason);
        }
        this.holdShown = hold.reason;
        await sleep(Math.max(Math.min(this.deps.holdPollMs, (hold.until ?? Infinity) - Date.now()), 10));
        continue;
      }
      if (this.holdShown) await store.setHold(this.campaignId, undefined);
      this.holdShown = undefined;
      return { go: true };
    }
  }

  private async hold(to: string | undefined, content: SendContent | undefined): Promise<{ reason: HoldReason; until?: number } | { stop: AppError } | undefined> {
    // the budget counts single messages too, so an agent's replies leave less room for the campaign
    const budget = await this.deps.budget.check(this.instanceId, 'campaign', { to, content });
    if (budget) return { reason: budget.hold, until: budget.until };
    const circuit = await this.deps.circuit.state(this.instanceId);
    if (circuit.open) return { reason: 'circuit_open', until: Date.now() + circuit.retryAfterMs };
    if (this.waitingForConnection) {
      const status = await this.deps.instanceStatus(this.instanceId);
      if (status === 'connected') this.waitingForConnection = false;
      else if (instanceVerdict(status) === 'stop') return { stop: stopError(status, this.instanceId) };
      else return { reason: 'instance_not_connected' };
    }
    return undefined;
  }
}

export function shuttingDown(): AppError {
  return new AppError('transient', 'broadcast-worker is shutting down; the campaign continues in the next worker', undefined, { retryAfterMs: 500, wait: true });
}
