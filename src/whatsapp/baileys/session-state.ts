/**
 * What a Baileys session reports: its snapshot, the events it hands to the sink, and the callers
 * waiting for a pairing code. A status change is one 'connection.update' event
 * ({ status, previousStatus, reason?, code?, message?, retryInMs?, me? }); repeated closes while
 * already 'reconnecting' report nothing new, so a flapping network cannot flood the webhooks.
 * The sink is called synchronously and may throw: that is logged, never propagated.
 */
import { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { eventInput } from '../../events/envelope';
import type { EventDataMap, EventType } from '../../events/catalog';
import type { ConnectionUpdateData } from '../../events/instance-data';
import type { EventSink, InstanceStatus, SessionSnapshot } from '../types';

type PairingWaiter = { resolve(code: string): void; reject(err: AppError): void };

/** Statuses with a socket (or one coming); end() turns them into 'disconnected'. */
export const LIVE_STATUSES: ReadonlySet<InstanceStatus> = new Set(['created', 'connecting', 'qr', 'connected', 'reconnecting']);

export class SessionState {
  private snap: SessionSnapshot;
  private readonly pairingWaiters = new Set<PairingWaiter>();

  constructor(
    readonly instanceId: string,
    private readonly sink: EventSink,
    private readonly logger: Logger,
  ) {
    this.snap = { instanceId, status: 'created', updatedAt: Date.now() };
  }

  get status(): InstanceStatus {
    return this.snap.status;
  }

  get pairingCode(): string | undefined {
    return this.snap.pairingCode;
  }

  get me(): SessionSnapshot['me'] {
    return this.snap.me;
  }

  snapshot(): SessionSnapshot {
    return { ...this.snap, me: this.snap.me ? { ...this.snap.me } : undefined };
  }

  /** Updates fields without a status change (no event). */
  patch(fields: Partial<Omit<SessionSnapshot, 'instanceId' | 'status'>>): void {
    this.snap = { ...this.snap, ...fields, updatedAt: Date.now() };
  }

  setStatus(status: InstanceStatus, fields: Partial<Omit<SessionSnapshot, 'instanceId' | 'status'>> = {}, detail: Partial<ConnectionUpdateData> = {}): void {
    const previousStatus = this.snap.status;
    this.snap = { ...this.snap, ...fields, status, updatedAt: Date.now() };
    if (previousStatus === status) return;
    // undefined details vanish when the event is serialised onto the queue
    const data: ConnectionUpdateData = { ...detail, status, previousStatus };
    if (this.snap.me) data.me = { ...this.snap.me };
    this.emit('connection.update', data);
  }

  emit<T extends EventType>(type: T, data: EventDataMap[T]): void {
    try {
      this.sink(eventInput(type, this.instanceId, data));
    } catch (err) {
      this.logger.error('event sink failed', { instanceId: this.instanceId, type, error: (err as Error).message });
    }
  }

  /** Resolves with the next pairing code, rejects on failure or after timeoutMs. */
  waitForPairingCode(timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.pairingWaiters.delete(waiter);
      };
      const waiter: PairingWaiter = {
        resolve: (code) => {
          done();
          resolve(code);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(() => waiter.reject(new AppError('timeout', `no pairing code for instance ${this.instanceId} within ${timeoutMs} ms`)), timeoutMs);
      this.pairingWaiters.add(waiter);
    });
  }

  pairingCodeReady(code: string, phone: string): void {
    this.patch({ pairingCode: code });
    this.emit('pairing.code', { code, phone });
    for (const w of [...this.pairingWaiters]) w.resolve(code);
  }

  pairingFailed(err: AppError): void {
    for (const w of [...this.pairingWaiters]) w.reject(err);
  }
}
