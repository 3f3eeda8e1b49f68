/**
 * A Messenger instance's page credentials, kept apart from the instance registry (whose records
 * the API returns): HASH keys.messengerCredentials, and the page -> instance index inbound
 * webhooks need. The token is read by the workers' sender only, cached for a few seconds, and
 * never logged (toJSON hides it should a log line ever get hold of one).
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';

export interface PageCredentials {
  pageId: string;
  accessToken: string;
}

export class CredentialStore {
  private readonly cache = new Map<string, { value?: PageCredentials; until: number }>();

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly ttlMs = 3000) {}

  /** false when the page already belongs to another instance */
  async save(instanceId: string, creds: PageCredentials): Promise<boolean> {
    const owner = await this.redis.hget(this.keys.messengerPages, creds.pageId);
    if (owner && owner !== instanceId) return false;
    await this.redis.multi().hset(this.keys.messengerCredentials, instanceId, JSON.stringify(creds)).hset(this.keys.messengerPages, creds.pageId, instanceId).exec();
    this.cache.delete(instanceId);
    return true;
  }

  async get(instanceId: string): Promise<PageCredentials | undefined> {
    const hit = this.cache.get(instanceId);
    if (hit && hit.until > Date.now()) return hit.value;
    const raw = await this.redis.hget(this.keys.messengerCredentials, instanceId);
    const value = raw ? hidden(JSON.parse(raw) as PageCredentials) : undefined;
    this.cache.set(instanceId, { value, until: Date.now() + this.ttlMs });
    return value;
  }

  /** The instance a page id belongs to (inbound webhooks). */
  instanceOf(pageId: string): Promise<string | null> {
    return this.redis.hget(this.keys.messengerPages, pageId);
  }

  async remove(instanceId: string): Promise<void> {
    const creds = await this.get(instanceId);
    const m = this.redis.multi().hdel(this.keys.messengerCredentials, instanceId);
    if (creds) m.hdel(this.keys.messengerPages, creds.pageId);
    await m.exec();
    this.cache.delete(instanceId);
  }
}

function hidden(creds: PageCredentials): PageCredentials {
  Object.defineProperty(creds, 'toJSON', { value: () => ({ pageId: '[hidden]', accessToken: '[hidden]' }), enumerable: false });
  return creds;
}
