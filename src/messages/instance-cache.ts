import type { InstanceRegistry } from '../whatsapp/instances/registry';
import type { InstanceRecord, InstanceSettings } from '../whatsapp/types';
import { Channel, DEFAULT_CHANNEL } from '../channels/channel';

const MAX_ENTRIES = 10_000;

/**
 * Registry lookups trusted for a few seconds (INSTANCE_CACHE_MS): the add-message hot path and
 * the pacer ask about the same instances over and over. Only hits are cached, so an instance
 * created a moment ago is found at once; a deleted one is refused at most ttl later (its queued
 * messages then fail with instance_not_found in the worker).
 */
export class InstanceCache {
  private readonly entries = new Map<string, { record: InstanceRecord; until: number }>();
  private readonly inflight = new Map<string, Promise<InstanceRecord | undefined>>();

  constructor(private readonly registry: Pick<InstanceRegistry, 'get'>, private readonly ttlMs: number) {}

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    const hit = this.entries.get(instanceId);
    if (hit && hit.until > Date.now()) return hit.record;
    // concurrent misses for one id share one Redis read
    let pending = this.inflight.get(instanceId);
    if (!pending) {
      pending = this.load(instanceId).finally(() => this.inflight.delete(instanceId));
      this.inflight.set(instanceId, pending);
    }
    return pending;
  }

  async settings(instanceId: string): Promise<InstanceSettings | undefined> {
    return (await this.get(instanceId))?.settings;
  }

  /** The channel the instance sends through (an unknown instance is left to the sender to refuse). */
  async channel(instanceId: string): Promise<Channel> {
    return (await this.get(instanceId))?.channel ?? DEFAULT_CHANNEL;
  }

  private async load(instanceId: string): Promise<InstanceRecord | undefined> {
    const record = await this.registry.get(instanceId);
    if (record && this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(instanceId, { record, until: Date.now() + this.ttlMs });
    } else {
      this.entries.delete(instanceId);
    }
    return record;
  }
}
