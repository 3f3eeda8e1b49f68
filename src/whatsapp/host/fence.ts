/**
 * The write fence of a shard's lease (ownership.ts): a write that matters (auth state, the send
 * ledger's claim of a message id) lands only while the instance's epoch counter in Redis is still
 * the one this shard's lease got. Every claim of an instance INCRs that counter, so once another
 * shard has claimed it, the old holder's late writes (a socket still closing, a process that was
 * frozen past its lease) are refused in the same Lua call that would have written them.
 *
 * Why the counter and not the lease key: a lease that expired but that nobody claimed again still
 * has our epoch, and the last writes of our own closing socket are exactly what the next owner must
 * load; what must never land is a write after someone else's claim.
 */
import type { Redis } from 'ioredis';
import { ScriptRunner } from '../../shared/script-runner';

export interface WriteFence {
  /** keys.leaseEpoch(instanceId) */
  readonly epochKey: string;
  /** the epoch this shard's lease of the instance got */
  readonly epoch: number;
}

/** KEYS: epoch, key  ARGV: epoch, value  ->  1 written, 0 fenced out */
const FENCED_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

/**
 * KEYS: epoch, hash keys...  ARGV: epoch, then per operation: kind ('h' HSET pairs | 'd' HDEL
 * fields), key index (2..), item count, items.  ->  1 written, 0 fenced out (nothing written)
 */
const FENCED_HASH_OPS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local i = 2
while i <= #ARGV do
  local cmd = ARGV[i] == 'h' and 'HSET' or 'HDEL'
  local key, n = KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  local first, last = i + 3, i + 2 + n
  -- in slices: unpack of thousands of items (a pre-key upload) would overflow Lua's stack
  for s = first, last, 1000 do redis.call(cmd, key, unpack(ARGV, s, math.min(s + 999, last))) end
  i = last + 1
end
return 1`;

/** KEYS: epoch, keys to delete...  ARGV: epoch */
const FENCED_DEL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', unpack(KEYS, 2))
return 1`;

export interface HashOp {
  key: string;
  /** HSET field/value pairs, or HDEL fields */
  put?: Record<string, string>;
  del?: string[];
}

/** Fenced writes on one Redis connection; each call answers false when the fence refused it. */
export class FencedWriter {
  private readonly scripts: ScriptRunner;

  constructor(redis: Redis, private readonly fence: WriteFence) {
    this.scripts = new ScriptRunner(redis);
  }

  get epoch(): number {
    return this.fence.epoch;
  }

  async set(key: string, value: string): Promise<boolean> {
    return (await this.scripts.run(FENCED_SET, [this.fence.epochKey, key], [this.fence.epoch, value])) === 1;
  }

  async hashOps(ops: HashOp[]): Promise<boolean> {
    const keys = [this.fence.epochKey];
    const args: Array<string | number> = [this.fence.epoch];
    for (const op of ops) {
      keys.push(op.key);
      const index = keys.length;
      const put = Object.entries(op.put ?? {}).flat();
      if (put.length) args.push('h', index, put.length, ...put);
      if (op.del?.length) args.push('d', index, op.del.length, ...op.del);
    }
    if (args.length === 1) return true;
    return (await this.scripts.run(FENCED_HASH_OPS, keys, args)) === 1;
  }

  async del(keys: string[]): Promise<boolean> {
    if (!keys.length) return true;
    return (await this.scripts.run(FENCED_DEL, [this.fence.epochKey, ...keys], [this.fence.epoch])) === 1;
  }
}

/** The error a fenced-out write throws: the caller stops writing (another shard owns the instance now). */
export class FencedOutError extends Error {
  constructor(readonly instanceId: string, readonly epoch: number) {
    super(`instance ${instanceId}: epoch ${epoch} is stale (another shard claimed it); write refused`);
    this.name = 'FencedOutError';
  }
}
