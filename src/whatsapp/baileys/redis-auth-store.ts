/**
 * Baileys auth state of one instance, in Redis: the creds as one STRING and one HASH per signal
 * key type (id -> JSON), both serialised with Baileys' BufferJSON so Buffers survive. Layout:
 *   <p>:x:auth:<id>:creds            STRING
 *   <p>:x:auth:<id>:keys:<type>      HASH   (pre-key, session, sender-key, app-state-sync-key, ...)
 * Rules that keep Signal state intact (lost writes mean "Bad MAC" later):
 * - keys.set throws when Redis fails, so Baileys' transaction commit retries it; keys.get asks
 *   again when a read timed out (timed-out-read.ts: Baileys does not retry reads);
 * - a null/falsy value in a key set deletes that id (Baileys' contract);
 * - creds writes are ordered and coalesced (always the whole, latest creds object);
 * - after remove(), late writes from a closing socket are dropped instead of re-creating keys;
 * - with a fence (a shard's lease, sharded servers only) every write checks the instance's epoch in
 *   the same Lua call: once another shard claimed the instance, this store stops writing.
 */
import type { Redis } from 'ioredis';
import type { AuthenticationCreds, AuthenticationState, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { RedisKeys } from '../../shared/keys';
import { FencedWriter } from '../host/fence';
import { hashOps } from './auth-key-ops';
import type { Baileys } from './loader';
import { messageStoreKeys } from './message-store';
import { retryTimedOutRead } from './timed-out-read';

/** Every key type of Baileys 7's SignalDataTypeMap (lib/Types/Auth.d.ts). */
export const SIGNAL_KEY_TYPES: ReadonlyArray<keyof SignalDataTypeMap> = [
  'pre-key',
  'session',
  'sender-key',
  'sender-key-memory',
  'app-state-sync-key',
  'app-state-sync-version',
  'lid-mapping',
  'device-list',
  'tctoken',
  'identity-key',
];

export interface AuthStoreLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface RedisAuthStore {
  readonly state: AuthenticationState;
  /** True when the creds belong to a linked device (restorable without pairing). */
  linked(): boolean;
  /** Schedules a write of the whole creds object (ordered, coalesced, retried). */
  saveCreds(): void;
  /** Resolves when every scheduled creds write reached Redis (or the store was removed). */
  flush(): Promise<void>;
  /** Deletes the instance's whole auth state and ignores every later write. */
  remove(): Promise<void>;
}

export const isLinkedCreds = (creds: Partial<AuthenticationCreds> | undefined): boolean => Boolean(creds?.me?.id && creds?.account);

export async function loadAuthStore(
  baileys: Baileys,
  redis: Redis,
  keys: RedisKeys,
  instanceId: string,
  logger: AuthStoreLogger,
  /** the shard lease's epoch (sharded servers); absent: writes as a single server does */
  fenceEpoch?: number,
): Promise<RedisAuthStore> {
  const { BufferJSON, initAuthCreds, proto } = baileys;
  const enc = (v: unknown) => JSON.stringify(v, BufferJSON.replacer);
  const dec = (s: string) => JSON.parse(s, BufferJSON.reviver) as unknown;
  const credsKey = keys.authCreds(instanceId);
  const typeKey = (type: string) => keys.authKeys(instanceId, type);

  const raw = await redis.get(credsKey);
  const creds = raw ? (dec(raw) as AuthenticationCreds) : initAuthCreds();
  let removed = false;
  const fenced = fenceEpoch === undefined ? undefined : new FencedWriter(redis, { epochKey: keys.leaseEpoch(instanceId), epoch: fenceEpoch });
  /** a refused write: another shard holds the instance now, so this (stale) store writes nothing more */
  const fencedOut = () => {
    if (!removed) logger.error('auth state write refused: another shard claimed this instance; this session stops writing', { instanceId, epoch: fenceEpoch });
    removed = true;
  };

  const keyStore: SignalKeyStore = {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      if (!ids.length) return out;
      const values = await retryTimedOutRead(() => redis.hmget(typeKey(type), ...ids));
      ids.forEach((id, i) => {
        const v = values[i];
        if (v == null) return;
        const parsed = dec(v);
        out[id] = (type === 'app-state-sync-key' ? proto.Message.AppStateSyncKeyData.fromObject(parsed as object) : parsed) as SignalDataTypeMap[T];
      });
      return out;
    },
    async set(data: SignalDataSet) {
      if (removed) return;
      if (fenced) {
        if (!(await fenced.hashOps(hashOps(data, typeKey, enc)))) fencedOut();
        return;
      }
      const multi = redis.multi();
      let ops = 0;
      for (const [type, entries] of Object.entries(data)) {
        if (!entries) continue;
        const put: Record<string, string> = {};
        const del: string[] = [];
        for (const [id, value] of Object.entries(entries)) {
          if (value) put[id] = enc(value);
          else del.push(id);
        }
        if (Object.keys(put).length) {
          multi.hset(typeKey(type), put);
          ops++;
        }
        if (del.length) {
          multi.hdel(typeKey(type), ...del);
          ops++;
        }
      }
      if (!ops) {
        multi.discard();
        return;
      }
      const results = await multi.exec();
      // exec() resolves null when the transaction was aborted; per-command errors come back in the tuples.
      const failed = !results ? new Error('redis transaction aborted') : results.find(([err]) => err)?.[0];
      if (failed) throw failed;
    },
    async clear() {
      if (fenced) {
        if (!(await fenced.del(SIGNAL_KEY_TYPES.map(typeKey)))) fencedOut();
        return;
      }
      await redis.del(...SIGNAL_KEY_TYPES.map(typeKey));
    },
  };

  // Ordered, coalesced creds writer: one write in flight; requests made meanwhile become one
  // more write of the then-current object. A failed write is retried with a growing pause.
  let dirty = false;
  let running: Promise<void> | undefined;
  const writeLoop = async () => {
    let failures = 0;
    while (dirty && !removed) {
      dirty = false;
      try {
        if (fenced) {
          if (!(await fenced.set(credsKey, enc(creds)))) fencedOut();
        } else await redis.set(credsKey, enc(creds));
        failures = 0;
      } catch (err) {
        dirty = true;
        failures++;
        const meta = { instanceId, failures, error: (err as Error).message };
        if (failures >= 3) logger.error('auth creds write failed, retrying', meta);
        else logger.warn('auth creds write failed, retrying', meta);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** failures)));
      }
    }
  };
  const saveCreds = () => {
    if (removed) return;
    dirty = true;
    if (!running) running = writeLoop().finally(() => (running = undefined));
  };

  return {
    state: { creds, keys: keyStore },
    linked: () => isLinkedCreds(creds),
    saveCreds,
    async flush() {
      while (running) await running;
    },
    async remove() {
      removed = true;
      await (running ?? Promise.resolve());
      await removeAuthState(redis, keys, instanceId);
    },
  };
}

/** Deletes creds and every key hash of an instance (known types, then any other type left), and its message store. */
export async function removeAuthState(redis: Redis, keys: RedisKeys, instanceId: string): Promise<void> {
  await redis.del(keys.authCreds(instanceId), ...SIGNAL_KEY_TYPES.map((t) => keys.authKeys(instanceId, t)), ...messageStoreKeys(keys, instanceId));
  // Types a future Baileys adds are not in the list; a SCAN (rare: only on delete/logout) finds them.
  const pattern = keys.authKeys(instanceId, '*');
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

/** Linked = creds.me.id and creds.account exist (a QR scan leaves `registered` false). */
export async function hasLinkedAuthState(redis: Redis, keys: RedisKeys, instanceId: string): Promise<boolean> {
  const raw = await redis.get(keys.authCreds(instanceId));
  if (!raw) return false;
  try {
    return isLinkedCreds(JSON.parse(raw) as Partial<AuthenticationCreds>);
  } catch {
    return false;
  }
}
