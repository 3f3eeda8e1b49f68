import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import { AppError } from '../../shared/errors';
import { ScriptRunner } from '../../shared/script-runner';
import type { InstanceRecord } from '../types';
import { CAS_CONFLICT, CAS_WRITTEN, COMPARE_AND_SET } from './registry-scripts';

export type InstancePatch = Partial<Omit<InstanceRecord, 'instanceId' | 'createdAt'>>;

/**
 * Conflicts in a row before a patch gives up. Each conflict means another writer succeeded, so
 * the registry as a whole always progresses; the bound only stops one unlucky caller spinning.
 */
const MAX_CAS_ATTEMPTS = 100;

/**
 * The instance registry: Redis HASH keys.instances, field = instanceId, value = JSON InstanceRecord.
 * Usable from any process: every write is atomic in Redis, none relies on an in-process lock.
 * insert is HSETNX and remove HDEL (one command each, atomic as they are); patch is a
 * compare-and-set loop (registry-scripts.ts), so concurrent patches of different fields all land
 * and a patch racing a remove never brings the entry back.
 */
export class InstanceRegistry {
  private readonly scripts: ScriptRunner;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {
    this.scripts = new ScriptRunner(redis);
  }

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
  async insert(record: InstanceRecord): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.instances, record.instanceId, JSON.stringify(record))) === 1;
  }

  /**
   * Merges fields into an existing entry (a field set to undefined is deleted; updatedAt = now);
   * undefined (and no write) when the entry is gone or unreadable.
   */
  async patch(instanceId: string, fields: InstancePatch): Promise<InstanceRecord | undefined> {
    let raw = await this.redis.hget(this.keys.instances, instanceId);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = raw === null ? undefined : parse(raw);
      if (raw === null || !current) return undefined;
      const next = merge(current, fields, instanceId);
      const [code, stored] = (await this.scripts.run(COMPARE_AND_SET, [this.keys.instances], [instanceId, raw, JSON.stringify(next)])) as [number, string?];
      if (code === CAS_WRITTEN) return next;
      if (code !== CAS_CONFLICT) return undefined;
      raw = stored ?? null;
    }
    throw new AppError('transient', `instance ${instanceId}: registry patch lost ${MAX_CAS_ATTEMPTS} compare-and-set races in a row`);
  }

  async remove(instanceId: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.instances, instanceId)) === 1;
  }
}

function merge(current: InstanceRecord, fields: InstancePatch, instanceId: string): InstanceRecord {
  const next: InstanceRecord = { ...current, ...fields, instanceId, updatedAt: Date.now() };
  for (const [k, v] of Object.entries(next)) if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
  return next;
}

function parse(raw: string): InstanceRecord | undefined {
  try {
    return JSON.parse(raw) as InstanceRecord;
  } catch {
    return undefined;
  }
}
