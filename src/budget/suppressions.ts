import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { AppError } from '../shared/errors';
import { parseWaAddress } from '../whatsapp/address';

export type SuppressionScope = 'instance' | 'global';

export interface SuppressionEntry {
  contact: string;
  /** the instance whose list it is on; null on the global list */
  instanceId: string | null;
  /** `opt_out`: the contact sent an opt-out word; `manual`: POST /suppressions */
  reason: 'opt_out' | 'manual';
  word?: string;
  messageId?: string;
  note?: string;
  at: string;
}

/**
 * The suppression list: contacts that must get no campaign message and no single message without
 * `force` (Redis HASH contact -> JSON entry). Per instance by default (the number the contact told
 * STOP), or one list for every instance with SUPPRESSION_SCOPE=global. A contact is kept in the
 * forms it is known by (phone digits, LID), so a send to either is recognised.
 */
export class SuppressionList {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, readonly scope: SuppressionScope) {}

  private key(instanceId: string | undefined): string {
    if (this.scope === 'global') return this.keys.suppressions('*');
    if (!instanceId) throw new AppError('validation_failed', 'instanceId is required (the suppression list is per instance: SUPPRESSION_SCOPE=instance)', { fields: [{ field: 'instanceId', message: 'required' }] });
    return this.keys.suppressions(instanceId);
  }

  /** Adds contacts (already canonical); returns how many were new. */
  async add(instanceId: string | undefined, contacts: string[], entry: Omit<SuppressionEntry, 'contact' | 'instanceId'>): Promise<number> {
    if (!contacts.length) return 0;
    const key = this.key(instanceId);
    const owner = this.scope === 'global' ? null : (instanceId ?? null);
    const pipeline = this.redis.pipeline();
    for (const contact of contacts) pipeline.hsetnx(key, contact, JSON.stringify({ ...entry, contact, instanceId: owner }));
    const results = (await pipeline.exec()) ?? [];
    return results.filter(([err, n]) => !err && n === 1).length;
  }

  async remove(instanceId: string | undefined, contact: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(instanceId), contact)) === 1;
  }

  /** True when the recipient (canonical, as jobs and campaigns keep it) is on the list that applies to the instance. */
  async has(instanceId: string, to: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(instanceId), to)) === 1;
  }

  async count(instanceId: string | undefined): Promise<number> {
    return this.redis.hlen(this.key(instanceId));
  }

  /** A page of the list, newest first. */
  async list(instanceId: string | undefined, offset: number, limit: number): Promise<{ total: number; items: SuppressionEntry[] }> {
    const all = Object.values(await this.redis.hgetall(this.key(instanceId)))
      .map((raw) => {
        try {
          return JSON.parse(raw) as SuppressionEntry;
        } catch {
          return undefined;
        }
      })
      .filter((e): e is SuppressionEntry => e !== undefined)
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    return { total: all.length, items: all.slice(offset, offset + limit) };
  }
}

/** A contact as the list keeps it: phone digits or a LID; a group or anything else is 400. */
export function suppressionContact(input: string, field = 'contact'): string {
  const a = parseWaAddress(String(input));
  if (!a || a.kind === 'group') throw new AppError('validation_failed', `${field}: not a phone number or LID: ${input}`, { fields: [{ field, message: 'not a phone number or LID' }] });
  return a.kind === 'pn' ? a.phone : a.jid;
}
