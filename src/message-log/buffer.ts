/**
 * The log's buffer in Redis: every producer (message-worker, broadcast-worker, whatsapp-server)
 * appends rows here and only webhook-worker's writer takes them out, after PostgreSQL has them.
 * So PostgreSQL is never on the send path, and while it is away rows wait here (AOF, like every
 * job) up to MESSAGE_LOG_BUFFER_MAX; past that bound rows are refused, counted and logged as
 * errors: never lost silently.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/keys';
import { ScriptRunner } from '../shared/script-runner';
import { TickBatch } from '../shared/tick-batch';
import type { LogRow } from './row';

/** KEYS: buffer, dropped  ARGV: max, rows...  -> {pushed, refused} */
const PUSH = `
local room = tonumber(ARGV[1]) - redis.call('LLEN', KEYS[1])
local n = #ARGV - 1
local take = math.max(0, math.min(room, n))
if take > 0 then redis.call('RPUSH', KEYS[1], unpack(ARGV, 2, take + 1)) end
if n > take then redis.call('INCRBY', KEYS[2], n - take) end
return {take, n - take}`;

/** KEYS: buffer, writer  ARGV: token, count  -> 1 when trimmed (the caller still holds the writer lease) */
const TRIM = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
return 1`;

/** KEYS: writer  ARGV: token, ttlMs  -> 1 when this token holds the lease now */
const LEASE = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1`;

/** rows of one PUSH call at most */
const MAX_ROWS_PER_PUSH = 500;

interface PendingPush {
  rows: string[];
  resolve(refused: number): void;
  reject(err: unknown): void;
}

export class LogBuffer {
  private readonly scripts: ScriptRunner;
  // a bounded script call (Lua's unpack of the rows)
  private readonly batch = new TickBatch<PendingPush>((batch) => this.write(batch), MAX_ROWS_PER_PUSH, (p) => p.rows.length);

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly max: number) {
    this.scripts = new ScriptRunner(redis);
  }

  /**
   * Appends rows; returns how many the bound refused (0 normally). Pushes made in the same turn of
   * the event loop share one script call (measured, issue 17: one row per receipt and per outcome),
   * in the order they were made; the bound refuses the last rows, so each caller learns its own share.
   */
  push(rows: LogRow[]): Promise<number> {
    if (!rows.length) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.batch.push({ rows: rows.map((r) => JSON.stringify(r)), resolve, reject });
    });
  }

  private async write(batch: PendingPush[]): Promise<void> {
    try {
      const [taken] = (await this.scripts.run(PUSH, [this.keys.logBuffer, this.keys.logDropped], [this.max, ...batch.flatMap((p) => p.rows)])) as number[];
      let offset = 0;
      for (const p of batch) {
        p.resolve(Math.max(0, Math.min(p.rows.length, offset + p.rows.length - taken)));
        offset += p.rows.length;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  /** The first `count` rows; `taken` counts unreadable ones too (trimmed with their batch, or they would block the buffer). */
  async peek(count: number): Promise<{ rows: LogRow[]; taken: number }> {
    const raw = await this.redis.lrange(this.keys.logBuffer, 0, count - 1);
    const rows: LogRow[] = [];
    for (const r of raw) {
      try {
        rows.push(JSON.parse(r) as LogRow);
      } catch {
        // skipped: not JSON (nothing of ours writes such a row)
      }
    }
    return { rows, taken: raw.length };
  }

  /** Removes the first `count` rows, only while `token` holds the writer lease. */
  async trim(token: string, count: number): Promise<boolean> {
    return Number(await this.scripts.run(TRIM, [this.keys.logBuffer, this.keys.logWriter], [token, count])) === 1;
  }

  /** Takes or renews the writer lease (one writer drains at a time, whatever runs during a reload). */
  async lease(token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.scripts.run(LEASE, [this.keys.logWriter], [token, ttlMs])) === 1;
  }

  async release(token: string): Promise<void> {
    await this.scripts.run(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`, [this.keys.logWriter], [token]);
  }

  length(): Promise<number> {
    return this.redis.llen(this.keys.logBuffer);
  }

  /** Rows refused by the bound since the buffer existed. */
  async dropped(): Promise<number> {
    return Number((await this.redis.get(this.keys.logDropped)) ?? 0);
  }

  /** Age (ms) of the oldest row waiting: the writer's lag. */
  async oldestAgeMs(now = Date.now()): Promise<number> {
    const first = await this.redis.lindex(this.keys.logBuffer, 0);
    if (!first) return 0;
    try {
      return Math.max(0, now - Date.parse((JSON.parse(first) as LogRow).at));
    } catch {
      return 0;
    }
  }
}
