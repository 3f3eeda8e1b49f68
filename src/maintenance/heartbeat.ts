import type { AnyEventInput } from '../events/envelope';
import type { InstanceHeartbeatData } from '../events/instance-data';
import type { InstanceStatus } from '../whatsapp/types';

/** What the heartbeat needs to know about an instance (an InstanceView fits). */
export interface HeartbeatSource {
  instanceId: string;
  status: InstanceStatus;
  updatedAt?: number;
  live?: boolean;
  webhookUrl?: string;
  me?: { id?: string; lid?: string; name?: string };
  lastError?: string;
}

export interface HeartbeatDeps {
  /** every registered instance with its current status (registry merged with the live session) */
  list: () => Promise<HeartbeatSource[]>;
  /** enqueues one event (EventPublisher.publishAndWait) */
  publish: (input: AnyEventInput) => Promise<unknown>;
}

/**
 * One 'instance.heartbeat' event per registered instance, routed like connection updates (the
 * `status` family: auto_whatsapp_sync, or the instance's own webhook URL), so the CRM can correct
 * a status it missed and notice a silent server (no heartbeats at all).
 */
export async function publishHeartbeats(deps: HeartbeatDeps, now = new Date()): Promise<number> {
  const instances = await deps.list();
  for (const i of instances) {
    const data: InstanceHeartbeatData = {
      status: i.status,
      connected: i.status === 'connected',
      live: i.live ?? false,
      at: now.toISOString(),
    };
    if (i.updatedAt) data.statusSince = new Date(i.updatedAt).toISOString();
    if (i.me) data.me = i.me;
    if (i.lastError) data.lastError = i.lastError;
    await deps.publish({ type: 'instance.heartbeat', instanceId: i.instanceId, data, ...(i.webhookUrl ? { targetUrl: i.webhookUrl } : {}) });
  }
  return instances.length;
}
