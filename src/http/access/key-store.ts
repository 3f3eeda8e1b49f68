import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../../shared/errors';
import { redisKeys } from '../../shared/keys';

export const KEY_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** `wak.<name>.<secret>`: the name says which record to compare against, the rest is the secret */
const SECRET_RE = /^wak\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/** A scoped key as stored (the secret itself never is: only its sha256). */
export interface ScopedKey {
  name: string;
  instances: '*' | string[];
  readOnly: boolean;
  /** requests per minute; absent = API_RATE_LIMIT_PER_MIN */
  rateLimitPerMin?: number;
  createdAt: string;
}

interface StoredKey extends ScopedKey {
  /** hex sha256 of the whole secret */
  hash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Scoped API keys in one Redis hash (name -> JSON). A secret is looked up by the name it carries
 * and compared with the stored hash in constant time, so a request costs one HGET and the secret
 * cannot be recovered from Redis.
 */
export class ApiKeyStore {
  private readonly hashKey: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.hashKey = redisKeys(prefix).apiKeys;
  }

  /** Stores a new key and returns it with its secret (shown once: only the hash is kept). 409 when the name exists. */
  async create(input: Omit<ScopedKey, 'createdAt'>): Promise<{ key: ScopedKey; secret: string }> {
    if (!KEY_NAME_RE.test(input.name)) throw new AppError('validation_failed', 'name: 1 to 64 letters, digits, _ or -', { fields: [{ field: 'name', message: 'invalid' }] });
    const secret = `wak.${input.name}.${randomBytes(32).toString('base64url')}`;
    const key: ScopedKey = { ...input, createdAt: new Date().toISOString() };
    const stored: StoredKey = { ...key, hash: sha256(secret).toString('hex') };
    const added = await this.redis.hsetnx(this.hashKey, input.name, JSON.stringify(stored));
    if (!added) throw new AppError('conflict', `an API key named ${input.name} exists (delete it first to replace it)`);
    return { key, secret };
  }

  async list(): Promise<ScopedKey[]> {
    const all = await this.redis.hgetall(this.hashKey);
    return Object.values(all)
      .map((json) => publicView(JSON.parse(json) as StoredKey))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The key of that name (a dashboard session re-reads it on every request: a deleted key ends its sessions). */
  async get(name: string): Promise<ScopedKey | undefined> {
    const json = await this.redis.hget(this.hashKey, name);
    return json ? publicView(JSON.parse(json) as StoredKey) : undefined;
  }

  /** true when a key of that name existed */
  async remove(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.hashKey, name)) === 1;
  }

  /** The key a presented secret belongs to, or undefined (unknown name, wrong secret, not a scoped key at all). */
  async verify(secret: string): Promise<ScopedKey | undefined> {
    const m = SECRET_RE.exec(secret);
    if (!m) return undefined;
    const json = await this.redis.hget(this.hashKey, m[1]);
    if (!json) return undefined;
    const stored = JSON.parse(json) as StoredKey;
    const expected = Buffer.from(stored.hash, 'hex');
    const given = sha256(secret);
    return expected.length === given.length && timingSafeEqual(expected, given) ? publicView(stored) : undefined;
  }
}

/** Whether a presented credential has the shape of a scoped key (else it can only be the admin key). */
export function looksScoped(secret: string): boolean {
  return SECRET_RE.test(secret);
}

function publicView(stored: StoredKey): ScopedKey {
  const { hash: _hash, ...key } = stored;
  return key;
}
