import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import type { RestrictionState } from './rules';
import { timelockEnd } from './rules';

const DAY_MS = 86_400_000;

/**
 * Where an instance's restriction state lives (keys.restriction, one JSON string): written by
 * whatsapp-server from its 'instance.restriction' events (observers.ts), read by the
 * send budget in message-worker and broadcast-worker, by GET /instance/:id/status and by metrics.
 * Kept the retention after its last change, and at least a day past a running lock's end.
 */
export class RestrictionStore {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly retentionMs: number) {}

  async get(instanceId: string): Promise<RestrictionState | undefined> {
    return parse(await this.redis.get(this.keys.restriction(instanceId)));
  }

  /** Several instances in one round trip (metrics). */
  async getMany(instanceIds: string[]): Promise<Array<RestrictionState | undefined>> {
    if (!instanceIds.length) return [];
    const raws = await this.redis.mget(...instanceIds.map((id) => this.keys.restriction(id)));
    return raws.map(parse);
  }

  async set(instanceId: string, state: RestrictionState, now = Date.now()): Promise<void> {
    const end = state.reachoutTimelock.active ? timelockEnd(state.reachoutTimelock) : undefined;
    const ttl = Math.max(this.retentionMs, end !== undefined ? end - now + DAY_MS : 0);
    const value: RestrictionState = { reachoutTimelock: state.reachoutTimelock, newChatCap: state.newChatCap };
    await this.redis.set(this.keys.restriction(instanceId), JSON.stringify(value), 'PX', Math.max(Math.round(ttl), 1000));
  }
}

function parse(raw: string | null | undefined): RestrictionState | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as RestrictionState;
    return v && typeof v.reachoutTimelock === 'object' && typeof v.newChatCap === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}
