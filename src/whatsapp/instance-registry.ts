import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import { KeyedLock } from './keyed-lock';
import type { InstanceRecord } from './types';

/**
 * The instance registry: Redis HASH keys.instances, field = instanceId, value = JSON InstanceRecord.
 * whatsapp-server is the only writer; writes for one instance are serialised in-process so a
 * status update that races a delete can never bring the entry back.
 */
export class InstanceRegistry {
  private readonly lock = new KeyedLock();

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    const raw = await this.redis.hget(this.keys.instances, instanceId);
    return raw ? parse(raw) : undefined;
  }

  async require(instanceId: string): Promise<InstanceRecord> {
    const record = await this.get(instanceId);
    if (!record) throw new AppError('instance_not_found', `instance ${instanceId} does not exist`);
    return record;
  }

  async list(): Promise<InstanceRecord[]> {
    const all = await this.redis.hgetall(this.keys.instances);
    return Object.values(all)
      .map(parse)
      .filter((r): r is InstanceRecord => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async ids(): Promise<string[]> {
    return this.redis.hkeys(this.keys.instances);
  }

  /** Adds a new entry; false when the id is already registered (HSETNX: no double create). */
  insert(record: InstanceRecord): Promise<boolean> {
    return this.lock.run(record.instanceId, async () => (await this.redis.hsetnx(this.keys.instances, record.instanceId, JSON.stringify(record))) === 1);
  }

  /** Merges fields into an existing entry; undefined (and no write) when the entry is gone. */
  patch(instanceId: string, fields: Partial<Omit<InstanceRecord, 'instanceId' | 'createdAt'>>): Promise<InstanceRecord | undefined> {
    return this.lock.run(instanceId, async () => {
      const current = await this.get(instanceId);
      if (!current) return undefined;
      const next: InstanceRecord = { ...current, ...fields, instanceId, updatedAt: Date.now() };
      for (const [k, v] of Object.entries(next)) if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
      await this.redis.hset(this.keys.instances, instanceId, JSON.stringify(next));
      return next;
    });
  }

  remove(instanceId: string): Promise<boolean> {
    return this.lock.run(instanceId, async () => (await this.redis.hdel(this.keys.instances, instanceId)) === 1);
  }
}

function parse(raw: string): InstanceRecord | undefined {
  try {
    return JSON.parse(raw) as InstanceRecord;
  } catch {
    return undefined;
  }
}
