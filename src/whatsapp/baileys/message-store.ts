/**
 * Every message an instance sent or received, kept whole in Redis for WA_MESSAGE_STORE_TTL_HOURS,
 * the newest WA_MESSAGE_STORE_MAX per instance (message-store-script.ts trims both in one call).
 * What reads it: Baileys' getMessage when a recipient's device asks for a resend (also after a
 * restart, when Baileys' in-memory retry cache is empty), quotes (the quoted text and author), poll
 * vote decryption (needs messageContextInfo.messageSecret) and media downloads (media key, path).
 *
 * Stored as `{ k, m }` with Baileys' BufferJSON: `m` the WAMessage (protobuf instances serialise
 * through their toJSON: bytes as base64, longs as strings), `k` a plain copy of its key, because
 * Baileys 7's key fields beyond the proto (remoteJidAlt, participantAlt, addressingMode) are not
 * in proto.MessageKey and would be lost. get() rebuilds the message with
 * proto.WebMessageInfo.fromObject (bytes become Buffers again) and puts the plain key back.
 *
 * A store that fails never fails the send or the inbound event it serves: remember() logs and
 * resolves; get() answers undefined. Keys (shared/keys.ts messageStore*) are deleted with the
 * instance's auth state (redis-auth-store.ts removeAuthState: delete, logout, a 401). They are
 * per instance, not per process: after a move to another shard the new owner finds the messages.
 * Writes are not fenced (ownership.ts): a stale shard can only add a message it really sent or got.
 */
import type { Redis } from 'ioredis';
import type { WAMessage } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { RedisKeys } from '../../shared/keys';
import { withTimeout } from '../../shared/redis';
import { ScriptRunner } from '../../shared/script-runner';
import type { Baileys } from './loader';
import { REMEMBER_SCRIPT } from './message-store-script';

/** a Redis call of the store gives up after this long (an event chain must not hang on it) */
const REDIS_TIMEOUT_MS = 3000;

export interface MessageStoreOptions {
  /** newest messages kept (0 = none) */
  max: number;
  /** how long one message is kept, ms */
  windowMs: number;
  logger: { warn(message: string, meta?: Record<string, unknown>): unknown };
  /** clock (tests move it) */
  now?: () => number;
}

interface Stored {
  k: WAMessage['key'];
  m: WAMessage;
}

export class MessageStore {
  private readonly scripts: ScriptRunner;
  private readonly indexKey: string;
  private readonly dataKey: string;
  private readonly now: () => number;

  constructor(
    private readonly baileys: Baileys,
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly instanceId: string,
    private readonly options: MessageStoreOptions,
  ) {
    this.scripts = new ScriptRunner(redis);
    [this.indexKey, this.dataKey] = messageStoreKeys(keys, instanceId);
    this.now = options.now ?? Date.now;
  }

  /** Keeps the message whole (by its id); never rejects. */
  async remember(msg: WAMessage): Promise<void> {
    const id = msg.key?.id;
    if (!id || this.options.max <= 0) return;
    try {
      const json = JSON.stringify({ k: { ...msg.key }, m: msg } satisfies Stored, this.baileys.BufferJSON.replacer);
      const args = [id, json, this.now(), Math.max(1, Math.round(this.options.windowMs)), this.options.max];
      await withTimeout(this.scripts.run(REMEMBER_SCRIPT, [this.indexKey, this.dataKey], args), REDIS_TIMEOUT_MS, 'message store write timed out');
    } catch (err) {
      this.options.logger.warn('message store write failed', { instanceId: this.instanceId, messageId: id, error: (err as Error).message });
    }
  }

  /** The message with this WhatsApp id, sent or received within the window. */
  async get(id: string): Promise<WAMessage | undefined> {
    if (!id || this.options.max <= 0) return undefined;
    try {
      const results = await withTimeout(this.redis.multi().zscore(this.indexKey, id).hget(this.dataKey, id).exec(), REDIS_TIMEOUT_MS, 'message store read timed out');
      const [[scoreErr, score], [dataErr, raw]] = (results ?? [[new Error('redis transaction aborted'), null], [null, null]]) as Array<[Error | null, string | null]>;
      if (scoreErr || dataErr) throw scoreErr ?? dataErr;
      if (score == null || raw == null || Number(score) < this.now() - this.options.windowMs) return undefined;
      return this.decode(raw);
    } catch (err) {
      this.options.logger.warn('message store read failed', { instanceId: this.instanceId, messageId: id, error: (err as Error).message });
      return undefined;
    }
  }

  /** Forgets every message of the instance (a logout); never rejects, the keys expire anyway. */
  async clear(): Promise<void> {
    await withTimeout(this.redis.del(this.indexKey, this.dataKey), REDIS_TIMEOUT_MS, 'message store delete timed out').catch((err: Error) =>
      this.options.logger.warn('message store delete failed', { instanceId: this.instanceId, error: err.message }),
    );
  }

  private decode(raw: string): WAMessage {
    const { k, m } = JSON.parse(raw, this.baileys.BufferJSON.reviver) as Stored;
    const msg = this.baileys.proto.WebMessageInfo.fromObject(m as unknown as Record<string, unknown>) as WAMessage;
    msg.key = { ...msg.key, ...k };
    return msg;
  }
}

/** The Redis keys of an instance's message store (removeAuthState deletes them with the auth state). */
export function messageStoreKeys(keys: RedisKeys, instanceId: string): string[] {
  return [keys.messageStoreIndex(instanceId), keys.messageStoreData(instanceId)];
}
