/**
 * The auth state of one session, loaded from Redis once and kept across reconnects (Baileys wants
 * the same creds object for every socket), dropped and deleted on logout / a 401.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../shared/keys';
import type { Baileys } from './loader';
import { AuthStoreLogger, loadAuthStore, RedisAuthStore, removeAuthState } from './redis-auth-store';

export class AuthHolder {
  private current?: RedisAuthStore;
  private loading?: Promise<RedisAuthStore>;

  constructor(
    private readonly baileys: Baileys,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly instanceId: string,
    private readonly logger: AuthStoreLogger,
    /** the shard lease's epoch (sharded servers): every write checks it */
    private readonly fenceEpoch?: number,
  ) {}

  get linked(): boolean {
    return this.current?.linked() ?? false;
  }

  load(): Promise<RedisAuthStore> {
    if (!this.loading) {
      this.loading = loadAuthStore(this.baileys, this.redis, this.keys, this.instanceId, this.logger, this.fenceEpoch).then(
        (auth) => (this.current = auth),
        (err: unknown) => {
          this.loading = undefined;
          throw err;
        },
      );
    }
    return this.loading;
  }

  async flush(): Promise<void> {
    await this.current?.flush();
  }

  /** Deletes the stored auth state; the next load() starts from fresh creds. */
  async drop(): Promise<void> {
    const auth = await this.loading?.catch(() => undefined);
    this.current = undefined;
    this.loading = undefined;
    if (auth) await auth.remove();
    else await removeAuthState(this.redis, this.keys, this.instanceId);
  }
}
