import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from '../../shared/keys';

/** What a session remembers: whose key logged in (the key itself is never stored). */
export interface SessionRecord {
  /** 'admin' for API_KEY, else the scoped key's name */
  key: string;
  admin: boolean;
  createdAt: string;
}

/**
 * Dashboard logins in Redis, each expiring after `ttlSeconds` (the cookie's Max-Age is the same).
 * Redis holds only a sha256 of the session id, so a copy of Redis opens no session.
 */
export class DashboardSessions {
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(private readonly redis: Redis, prefix: string, readonly ttlSeconds: number) {
    this.keys = redisKeys(prefix);
  }

  /** A new session; returns the id the cookie carries. */
  async create(record: Omit<SessionRecord, 'createdAt'>): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.redis.set(this.redisKey(id), JSON.stringify({ ...record, createdAt: new Date().toISOString() }), 'EX', this.ttlSeconds);
    return id;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const json = await this.redis.get(this.redisKey(id));
    return json ? (JSON.parse(json) as SessionRecord) : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(this.redisKey(id));
  }

  private redisKey(id: string): string {
    return this.keys.dashboardSession(createHash('sha256').update(id).digest('hex'));
  }
}
