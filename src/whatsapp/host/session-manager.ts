import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { redisKeys } from '../../shared/keys';
import { AppError } from '../../shared/errors';
import { withTimeout } from '../../shared/redis';
import type { AnyEvent, AnyEventInput } from '../../events/envelope';
import type { EventPublisher } from '../../queues/publisher';
import { InstanceRegistry, InstancePatch } from '../instances/registry';
import { KeyedLock } from '../keyed-lock';
import { SessionEvents } from './session-events';
import { markUnlinked, restoreAll, RestoreSummary } from './session-restore';
import { SessionLeases, ShardOwnership } from './session-leases';
import type { WriteFence } from './fence';
import { assertInstanceId, InstanceView, mergeView } from '../instance-view';
import type { CreateSessionOptions, InstanceRecord, InstanceSettings, InstanceStatus, SessionDriver, WhatsAppSession } from '../types';

export interface SessionManagerDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  driver: SessionDriver;
  publisher: Pick<EventPublisher, 'publishAndWait'>;
  /** sharded servers: the cluster ownership (leases in Redis); absent: one server holds every socket */
  ownership?: ShardOwnership;
}

export interface CreateInstanceInput {
  instanceId: string;
  /** digits only: ask for a pairing code for this number instead of a QR */
  pairingPhone?: string;
  webhookUrl?: string;
  /** a webhook subscription (webhooks/subscriptions.ts): more URLs, the event types wanted */
  webhookUrls?: string[];
  webhookEvents?: string[];
  settings?: InstanceSettings;
}

const STATUSES = new Set<InstanceStatus>(['created', 'connecting', 'qr', 'connected', 'reconnecting', 'disconnected', 'logged_out', 'qr_expired', 'failed']);
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Owns every WhatsApp session of the process: one live session object per instance, built and torn
 * down under a per-instance lock; the registry in Redis follows every status change the sessions
 * report, and every event goes out through the webhook queue with the instance's webhook URL.
 */
export class SessionManager {
  readonly registry: InstanceRegistry;
  readonly events: SessionEvents;
  /** this shard's leases (a no-op on a single server) */
  readonly leases: SessionLeases;
  private readonly sessions = new Map<string, WhatsAppSession>();
  private readonly lock = new KeyedLock();
  private closing = false;
  private restoring?: Promise<RestoreSummary>;

  constructor(private readonly deps: SessionManagerDeps) {
    this.registry = new InstanceRegistry(deps.redis, redisKeys(deps.config.QUEUE_PREFIX));
    this.events = new SessionEvents(deps.publisher, deps.logger);
    this.leases = new SessionLeases(deps.ownership, deps.logger);
  }

  get driverName(): SessionDriver['name'] {
    return this.deps.driver.name;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Registers a new instance and starts pairing. 409 when the id exists (restart it instead). */
  async create(input: CreateInstanceInput): Promise<InstanceView> {
    assertInstanceId(input.instanceId);
    if (this.closing) throw new AppError('transient', 'server is shutting down');
    const id = input.instanceId;
    await this.lock.run(id, async () => {
      const now = Date.now();
      const record: InstanceRecord = { instanceId: id, status: 'created', createdAt: now, updatedAt: now };
      if (input.webhookUrl) record.webhookUrl = input.webhookUrl;
      if (input.webhookUrls?.length) record.webhookUrls = input.webhookUrls;
      if (input.webhookEvents?.length) record.webhookEvents = input.webhookEvents;
      if (input.pairingPhone) record.pairingPhone = input.pairingPhone;
      if (input.settings) record.settings = input.settings;
      if (!(await this.registry.insert(record))) {
        throw new AppError('conflict', `instance ${id} already exists; restart it for a new QR or delete it first`, { instance: await this.view(id) });
      }
      this.events.setWebhookUrl(id, input.webhookUrl);
      // A new instance always pairs from scratch, even if a half-finished delete left credentials.
      await this.deps.driver.removeAuthState(id);
      await this.startSession({ instanceId: id, pairingPhone: input.pairingPhone });
    });
    if (input.pairingPhone) await this.waitForPairingCode(id);
    return this.view(id);
  }

  /** Logs out when connected (unlinks the device), deletes auth state and the registry entry. */
  async delete(instanceId: string): Promise<void> {
    assertInstanceId(instanceId);
    await this.lock.run(instanceId, async () => {
      const record = await this.registry.require(instanceId);
      const session = this.sessions.get(instanceId);
      this.sessions.delete(instanceId);
      const previousStatus = session?.snapshot().status ?? record.status;
      if (session) {
        const stop = previousStatus === 'connected' ? session.logout() : session.end();
        await withTimeout(stop, 10_000, 'session stop timed out').catch((err: Error) =>
          this.deps.logger.warn('session stop failed during delete', { instanceId, error: err.message }),
        );
      }
      await this.deps.driver.removeAuthState(instanceId);
      // what the number learned about itself goes with it: restriction state, chats that wrote to it
      const keys = redisKeys(this.deps.config.QUEUE_PREFIX);
      await this.deps.redis.del(keys.restriction(instanceId), keys.inboundChats(instanceId));
      await this.registry.remove(instanceId);
      await this.leases.give(instanceId, false);
      this.events.publish({ type: 'connection.update', instanceId, data: { status: 'deleted', previousStatus } });
      this.events.setWebhookUrl(instanceId, undefined);
    });
  }

  /** Closes the socket and connects again; an unlinked instance gets a fresh QR (or pairing code). */
  async restart(instanceId: string): Promise<InstanceView> {
    assertInstanceId(instanceId);
    if (this.closing) throw new AppError('transient', 'server is shutting down');
    await this.lock.run(instanceId, async () => {
      const record = await this.registry.require(instanceId);
      this.events.setWebhookUrl(instanceId, record.webhookUrl);
      await this.startSession({ instanceId, pairingPhone: record.pairingPhone });
    });
    return this.view(instanceId);
  }

  async status(instanceId: string): Promise<InstanceView> {
    assertInstanceId(instanceId);
    return this.view(instanceId);
  }

  async list(): Promise<InstanceView[]> {
    return (await this.registry.list()).map((r) => this.merge(r));
  }

  /** Updates the per-instance webhook URL and settings (pacing overrides). */
  async update(instanceId: string, fields: { webhookUrl?: string | null; settings?: InstanceSettings }): Promise<InstanceView> {
    assertInstanceId(instanceId);
    const patch: Partial<InstanceRecord> = {};
    if (fields.webhookUrl !== undefined) patch.webhookUrl = fields.webhookUrl ?? undefined;
    if (fields.settings !== undefined) patch.settings = fields.settings;
    const record = await this.registry.patch(instanceId, patch);
    if (!record) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
    this.events.setWebhookUrl(instanceId, record.webhookUrl);
    return this.merge(record);
  }

  /** The live session, if this process has one. */
  session(instanceId: string): WhatsAppSession | undefined {
    return this.sessions.get(instanceId);
  }

  /** The session, ready to send: 404 for an unknown instance, 409 (retryable) when not connected. */
  async connectedSession(instanceId: string): Promise<WhatsAppSession> {
    assertInstanceId(instanceId);
    const session = this.sessions.get(instanceId);
    const status = session?.snapshot().status;
    if (session && status === 'connected') return session;
    const record = await this.registry.get(instanceId);
    if (!record) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
    throw new AppError('instance_not_connected', `instance ${instanceId} is ${status ?? record.status}`, { status: status ?? record.status });
  }

  /** Publishes an event for an instance (adds its webhook URL); never blocks, never throws. */
  publish(input: AnyEventInput): AnyEvent {
    return this.events.publish(input);
  }

  /** Restores every registered instance at start (see session-restore.ts); safe to call once. */
  restoreAll(): Promise<RestoreSummary> {
    this.restoring ??= restoreAll({
      config: this.deps.config,
      logger: this.deps.logger,
      registry: this.registry,
      driver: this.deps.driver,
      events: this.events,
      isClosing: () => this.closing,
      hasSession: (id) => this.sessions.has(id),
      start: (record) =>
        this.lock.run(record.instanceId, async () => {
          if (this.closing || this.sessions.has(record.instanceId)) return;
          this.events.setWebhookUrl(record.instanceId, record.webhookUrl);
          await this.startSession({ instanceId: record.instanceId, restoring: true });
        }),
    });
    return this.restoring;
  }

  /**
   * Sharded: starts a session for an instance nobody holds, which placement gave this shard (the
   * restore of a sharded server, and failover). An unlinked one is marked as restore marks it and
   * placed nowhere; AppError not_owner when another shard claimed it first.
   */
  async adopt(instanceId: string): Promise<'started' | 'unlinked' | 'gone' | 'skipped'> {
    return this.lock.run(instanceId, async () => {
      if (this.closing || this.sessions.has(instanceId)) return 'skipped';
      const record = await this.registry.get(instanceId);
      if (!record || (record.channel ?? 'whatsapp') !== 'whatsapp') {
        await this.leases.give(instanceId, false);
        return 'gone';
      }
      if (!(await this.deps.driver.hasLinkedAuthState(instanceId))) {
        await markUnlinked({ registry: this.registry, events: this.events }, record);
        await this.leases.give(instanceId, false);
        return 'unlinked';
      }
      this.events.setWebhookUrl(instanceId, record.webhookUrl);
      await this.startSession({ instanceId, restoring: true });
      return 'started';
    });
  }

  /** Sharded: ends the session here (credentials kept) and hands the lease over to another shard. */
  async handOff(instanceId: string): Promise<boolean> {
    return this.lock.run(instanceId, async () => {
      const session = this.sessions.get(instanceId);
      if (!session) return false;
      this.sessions.delete(instanceId);
      this.leases.hush(session);
      await withTimeout(session.end(), 10_000, 'session end timed out').catch((err: Error) => this.deps.logger.warn('session end failed during handoff', { instanceId, error: err.message }));
      await this.leases.give(instanceId, true);
      return true;
    });
  }

  /** the fence of this shard's lease of the instance (sharded servers), for the send ledger */
  fenceOf(instanceId: string): WriteFence | undefined {
    return this.leases.fence(instanceId);
  }

  /** ids of the sessions this process runs */
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Shutdown: stops restoring, closes every socket (credentials kept), flushes events and registry writes. */
  async endAll(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    this.events.cancelWaits();
    // Restore workers stop at once when closing; a session start already under way finishes first.
    await this.restoring?.catch(() => undefined);
    // Two passes: a create that was inside its lock when closing began adds its session late.
    for (let pass = 0; pass < 2 && this.sessions.size > 0; pass++) await this.endSessions(timeoutMs);
    await this.events.flush(timeoutMs);
  }

  private async endSessions(timeoutMs: number): Promise<void> {
    await Promise.allSettled(
      [...this.sessions.keys()].map((id) =>
        this.lock.run(id, async () => {
          const session = this.sessions.get(id);
          if (!session) return;
          // sharded: the instance goes on on another shard, so its closing status is not reported
          if (this.leases.enabled) this.leases.hush(session);
          await withTimeout(session.end(), timeoutMs, 'session end timed out').catch((err: Error) =>
            this.deps.logger.warn('session end failed', { instanceId: id, error: err.message }),
          );
          this.sessions.delete(id);
          await this.leases.give(id, true);
        }),
      ),
    );
  }

  /** Live sessions by status, for /health. */
  counts(): { total: number; byStatus: Partial<Record<InstanceStatus, number>> } {
    const byStatus: Partial<Record<InstanceStatus, number>> = {};
    for (const s of this.sessions.values()) {
      const st = s.snapshot().status;
      byStatus[st] = (byStatus[st] ?? 0) + 1;
    }
    return { total: this.sessions.size, byStatus };
  }

  /** Replaces any session of the instance with a new one and connects it. Call under the lock. */
  private async startSession(options: CreateSessionOptions): Promise<void> {
    const id = options.instanceId;
    if (this.closing) throw new AppError('transient', 'server is shutting down');
    const old = this.sessions.get(id);
    if (old) {
      this.sessions.delete(id);
      await withTimeout(old.end(), 10_000, 'session end timed out').catch((err: Error) => this.deps.logger.warn('old session end failed', { instanceId: id, error: err.message }));
    }
    const holder: { session?: WhatsAppSession } = {};
    // sharded: the lease first (AppError not_owner when another shard holds it); its epoch fences the session's writes
    const fenceEpoch = await this.leases.take(id, () => this.onLeaseLost(id, holder));
    const session = this.deps.driver.create(fenceEpoch === undefined ? options : { ...options, fenceEpoch }, (event) => this.onSessionEvent(id, holder, event));
    holder.session = session;
    this.sessions.set(id, session);
    try {
      await withTimeout(session.connect(), CONNECT_TIMEOUT_MS, `connect did not return within ${CONNECT_TIMEOUT_MS} ms`);
    } catch (err) {
      const message = (err as Error).message;
      this.deps.logger.error('session connect failed', { instanceId: id, error: message });
      this.events.track(this.registry.patch(id, { status: 'failed', lastError: message }));
    }
  }

  /** Sharded: the lease is gone (another shard claimed it, or it could not be renewed): close the socket now. */
  private onLeaseLost(instanceId: string, holder: { session?: WhatsAppSession }): void {
    const session = holder.session;
    if (!session || this.sessions.get(instanceId) !== session) return;
    this.sessions.delete(instanceId);
    this.leases.hush(session);
    void withTimeout(session.end(), 10_000, 'session end timed out').catch((err: Error) => this.deps.logger.warn('ending a session whose lease was lost failed', { instanceId, error: err.message }));
  }

  /** Every event of a session: the registry follows its status, then it goes to the webhook queue. */
  private onSessionEvent(instanceId: string, holder: { session?: WhatsAppSession }, input: AnyEventInput): void {
    try {
      if (input.type === 'connection.update' && this.leases.isHushed(holder.session)) return;
      const current = !holder.session || this.sessions.get(instanceId) === holder.session;
      if (input.type === 'connection.update' && current && holder.session) {
        const snap = holder.session.snapshot();
        const reported = input.data.status as InstanceStatus;
        const status = STATUSES.has(reported) ? reported : snap.status;
        this.events.track(this.patchStatus(instanceId, { status, me: snap.me, lastError: snap.lastError ?? (input.data.reason as string | undefined) }));
      }
      this.events.publish({ ...input, instanceId });
    } catch (err) {
      this.deps.logger.error('session event handling failed', { instanceId, type: input.type, error: (err as Error).message });
    }
  }

  /**
   * The registry follows a status. The first `connected` also stamps linkedAt, the number's age for
   * the budget's warm-up: now for a new link; a record that already knew its account was linked
   * before linkedAt existed, so its createdAt is the best age known (no warm-up restart on upgrade).
   */
  private async patchStatus(instanceId: string, patch: InstancePatch): Promise<unknown> {
    if (patch.status === 'connected') {
      const record = await this.registry.get(instanceId);
      if (record && !record.linkedAt) patch = { ...patch, linkedAt: record.me ? record.createdAt : Date.now() };
    }
    return this.registry.patch(instanceId, patch);
  }

  private async waitForPairingCode(instanceId: string): Promise<void> {
    if (this.sessions.get(instanceId)?.snapshot().pairingCode) return;
    await this.events.waitFor((e) => e.instanceId === instanceId && e.type === 'pairing.code', this.deps.config.PAIRING_CODE_WAIT_MS);
  }

  private async view(instanceId: string): Promise<InstanceView> {
    return this.merge(await this.registry.require(instanceId));
  }

  private merge(record: InstanceRecord): InstanceView {
    return mergeView(record, this.sessions.get(record.instanceId));
  }
}

export { assertInstanceId };
export type { InstanceView };
