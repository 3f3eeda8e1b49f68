/**
 * What a connection does once its socket closed (connection.ts): the pure reconnect policy
 * decides (reconnect-policy.ts), this applies the decision (status, log line, dropped
 * credentials, the timer of the next try). It holds the loop guard's history and the one timer
 * of the instance: a reconnect, or the slow retry of a failed instance.
 */
import { AppError } from '../../shared/errors';
import { decideOnClose, emptyHistory, historyAfterOpen, ReconnectOptions } from './reconnect-policy';
import { ConnectionParts, reconnectOptions, SessionDeps } from './session-deps';

/** What the close handling reads of its connection and asks it to do (connection.ts). */
export interface CloseHost {
  readonly instanceId: string;
  /** end()/logout() is under way or done: no reconnect */
  closing(): boolean;
  linked(): boolean;
  hasSocket(): boolean;
  open(): Promise<void>;
  dropAuth(): Promise<void>;
}

export class CloseHandler {
  private history = emptyHistory();
  private reconnectTimer?: NodeJS.Timeout;
  private readonly reconnect: ReconnectOptions;

  constructor(
    private readonly d: SessionDeps,
    private readonly p: ConnectionParts,
    private readonly host: CloseHost,
  ) {
    this.reconnect = reconnectOptions(d.config);
  }

  private get id(): string {
    return this.host.instanceId;
  }

  /** a next try is scheduled */
  get waiting(): boolean {
    return Boolean(this.reconnectTimer);
  }

  /** A manual start: a fresh loop window and no scheduled try. */
  reset(): void {
    this.history = emptyHistory();
    this.clearTimer();
  }

  /** The socket opened (connection.update 'open'). */
  opened(): void {
    this.history = historyAfterOpen(this.history);
  }

  /** Applies the reconnect policy to a close (the connection already let go of the socket). */
  async afterClose(error: Error | undefined): Promise<void> {
    const code = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
    const input = { code, message: error?.message, hasError: Boolean(error), closing: this.host.closing(), linked: this.host.linked(), now: Date.now(), random: (this.d.random ?? Math.random)() };
    const decision = decideOnClose(input, this.history, this.reconnect);
    this.history = decision.history;
    const detail = { reason: decision.reason, code, message: error?.message };
    const lastError = `${decision.reason}${code ? ` (${code})` : ''}: ${error?.message ?? 'closed'}`;
    if (decision.action === 'none') {
      // Our own end()/logout() set the status themselves.
      if (!this.host.closing()) this.p.state.setStatus('disconnected', { qr: undefined, pairingCode: undefined }, detail);
      return;
    }
    if (decision.action === 'stop') {
      if (decision.deleteAuth) await this.host.dropAuth();
      const meta = { instanceId: this.id, reason: decision.reason, code, error: error?.message };
      if (decision.loop) this.p.log.error('whatsapp reconnect loop: instance stopped, credentials kept', meta);
      else this.p.log.warn('whatsapp connection stopped', meta);
      this.p.state.pairingFailed(new AppError('transient', `instance ${this.id} stopped: ${decision.reason}`));
      this.p.state.setStatus(decision.status, { lastError, qr: undefined, pairingCode: undefined, ...(decision.deleteAuth ? { me: undefined } : {}) }, detail);
      if (decision.loop) this.retryFailedLater();
      return;
    }
    if (decision.refreshVersion) this.d.versions.invalidate();
    // one line per attempt: an instance that cannot reach WhatsApp says so, and when it tries next
    this.p.log.warn('whatsapp reconnecting', {
      instanceId: this.id,
      reason: decision.reason,
      code,
      error: error?.message,
      attempt: decision.history.attempt,
      nextTryInMs: decision.delayMs,
      nextTryAt: new Date(Date.now() + decision.delayMs).toISOString(),
    });
    this.p.state.setStatus('reconnecting', { lastError, qr: undefined }, { ...detail, retryInMs: decision.delayMs });
    this.clearTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.host.closing()) void this.host.open();
    }, decision.delayMs);
  }

  /**
   * The loop guard stops an instance whose connection keeps dropping; after a WhatsApp outage
   * every instance would stay `failed` until someone restarted each one. So a stopped instance
   * tries again by itself every WA_FAILED_RETRY_MS (slow: a real fault stays visible, and a number
   * is not hammered), until it connects, is logged out or is stopped on purpose. Each try starts
   * with a fresh loop window and reports `reconnecting` (reason `failed_retry`).
   */
  private retryFailedLater(): void {
    const ms = this.d.config.WA_FAILED_RETRY_MS;
    if (ms <= 0 || this.host.closing()) return;
    this.clearTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.host.closing() || this.host.hasSocket() || this.p.state.status !== 'failed') return;
      this.history = emptyHistory();
      this.p.state.setStatus('reconnecting', { lastError: undefined }, { reason: 'failed_retry', retryInMs: 0 });
      void this.host.open();
    }, ms);
    this.reconnectTimer.unref?.();
  }

  clearTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}
