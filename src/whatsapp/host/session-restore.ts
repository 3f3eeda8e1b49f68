import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { InstanceRegistry } from '../instances/registry';
import type { SessionEvents } from './session-events';
import type { InstanceRecord, InstanceStatus, SessionDriver } from '../types';

export interface RestoreSummary {
  total: number;
  /** sessions started from linked credentials */
  restored: number;
  /** of those, connected before their slot was released */
  connected: number;
  /** registered but with no linked credentials: left stopped, no QR asked for */
  unlinked: number;
  failed: number;
  durationMs: number;
}

export interface RestoreDeps {
  config: Pick<Config, 'RESTORE_CONCURRENCY' | 'RESTORE_JITTER_MS'>;
  logger: Logger;
  registry: InstanceRegistry;
  driver: SessionDriver;
  events: SessionEvents;
  isClosing(): boolean;
  hasSession(instanceId: string): boolean;
  /** starts the instance's session with restoring: true (under the manager's lock) */
  start(record: InstanceRecord): Promise<void>;
}

/** A restore slot is held until the session settles, so RESTORE_CONCURRENCY bounds real handshakes. */
const SETTLED = new Set<InstanceStatus>(['connected', 'logged_out', 'qr_expired', 'failed', 'disconnected']);
const SLOT_TIMEOUT_MS = 20_000;

/**
 * Brings every registered instance back after a start, staggered: at most RESTORE_CONCURRENCY at
 * once, each after a random delay up to RESTORE_JITTER_MS, so a restart never opens hundreds of
 * sockets to WhatsApp in the same second. Only instances with linked credentials get a session;
 * the others are marked qr_expired (logged_out ones stay logged_out) and wait for a restart.
 */
export async function restoreAll(deps: RestoreDeps): Promise<RestoreSummary> {
  const started = Date.now();
  // only WhatsApp instances have sockets to restore (a Messenger page is a token, always ready)
  const records = (await deps.registry.list()).filter((r) => (r.channel ?? 'whatsapp') === 'whatsapp');
  const summary: RestoreSummary = { total: records.length, restored: 0, connected: 0, unlinked: 0, failed: 0, durationMs: 0 };
  let next = 0;
  const worker = async () => {
    while (next < records.length && !deps.isClosing()) {
      const record = records[next++];
      const jitter = Math.random() * deps.config.RESTORE_JITTER_MS;
      if (jitter > 0) await sleep(jitter);
      if (deps.isClosing()) return;
      try {
        await restoreOne(deps, record, summary);
      } catch (err) {
        summary.failed++;
        deps.logger.error('instance restore failed', { instanceId: record.instanceId, error: (err as Error).message });
      }
    }
  };
  const workers = Math.min(deps.config.RESTORE_CONCURRENCY, records.length);
  await Promise.all(Array.from({ length: workers }, worker));
  summary.durationMs = Date.now() - started;
  deps.logger.info('instances restored', { ...summary });
  return summary;
}

async function restoreOne(deps: RestoreDeps, record: InstanceRecord, summary: RestoreSummary): Promise<void> {
  const id = record.instanceId;
  if (deps.hasSession(id)) return; // created or restarted by a request meanwhile
  const linked = await deps.driver.hasLinkedAuthState(id);
  if (deps.isClosing()) return;
  if (!linked) {
    summary.unlinked++;
    await markUnlinked(deps, record);
    return;
  }
  const settled = deps.events.waitFor(
    (e) => e.instanceId === id && e.type === 'connection.update' && SETTLED.has(e.data.status as InstanceStatus),
    SLOT_TIMEOUT_MS,
  );
  await deps.start(record);
  summary.restored++;
  // Shutdown cancels the wait (SessionEvents.cancelWaits), so the slot never outlives the process.
  const event = await settled;
  if (event?.type === 'connection.update' && event.data.status === 'connected') summary.connected++;
}

/** An instance with no linked credentials at start: qr_expired (logged_out stays), reported once. */
export async function markUnlinked(deps: Pick<RestoreDeps, 'registry' | 'events'>, record: InstanceRecord): Promise<void> {
  const status: InstanceStatus = record.status === 'logged_out' ? 'logged_out' : 'qr_expired';
  if (record.status === status) return;
  await deps.registry.patch(record.instanceId, { status });
  deps.events.setWebhookUrl(record.instanceId, record.webhookUrl);
  deps.events.publish({ type: 'connection.update', instanceId: record.instanceId, data: { status, previousStatus: record.status, reason: 'no linked credentials at start' } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
