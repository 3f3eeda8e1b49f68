/**
 * The message log in PostgreSQL: the only importer of `pg`. Writes are multi-row INSERTs (one
 * round trip per batch, ON CONFLICT DO NOTHING so a batch written twice is stored once); a row
 * whose day has no partition yet (a buffer drained after a long outage) creates it and retries.
 */
import { Pool, PoolConfig } from 'pg';
import type { Logger } from '../shared/logger';
import type { CampaignOutcome, LogPage, LogQuery, MessageLogStore, PartitionRoll } from './port';
import type { LogRow } from './row';
import { createPartitionSql, createTableSql, dayStart, daysAround, isExpired, partitionDay, PARTITIONS_SQL, quoteIdent, TABLE } from './pg-schema';
import { decodeCursor, encodeCursor, fromDbRow, foldOutcome, OutcomeDbRow } from './pg-rows';

export interface PgLogOptions {
  url: string;
  schema: string;
  retentionDays: number;
  daysAhead: number;
  poolMax: number;
  logger: Logger;
  /** deadline of one statement; a hung server fails the batch instead of stalling the writer */
  statementTimeoutMs?: number;
}

const COLUMNS = ['event_id', 'at', 'instance_id', 'channel', 'message_id', 'campaign_id', 'recipient', 'status', 'content_type', 'attempts', 'error_code', 'error_message', 'channel_message_id'];
/** "no partition of relation ... found for row" */
const NO_PARTITION = '23514';

export class PgMessageLog implements MessageLogStore {
  private readonly pool: Pool;
  private readonly table: string;

  constructor(private readonly options: PgLogOptions) {
    const timeout = options.statementTimeoutMs ?? 10_000;
    const config: PoolConfig = { connectionString: options.url, max: options.poolMax, connectionTimeoutMillis: 5000, statement_timeout: timeout, query_timeout: timeout + 1000, idleTimeoutMillis: 30_000 };
    this.pool = new Pool(config);
    // an idle client whose server went away must not crash the process (pg emits 'error' on the pool)
    this.pool.on('error', (err) => options.logger.warn('message log connection lost', { error: err.message }));
    this.table = `${quoteIdent(options.schema)}.${TABLE}`;
  }

  async prepare(now = new Date()): Promise<void> {
    await this.locked(async (run) => {
      for (const sql of createTableSql(this.options.schema)) await run(sql);
      for (const day of daysAround(now, this.options.daysAhead)) await run(createPartitionSql(this.options.schema, day));
    });
  }

  async insert(rows: LogRow[]): Promise<number> {
    if (!rows.length) return 0;
    const values: unknown[] = [];
    const tuples = rows.map((r, i) => {
      values.push(r.id, r.at, r.instanceId, r.channel, r.messageId, r.campaignId ?? null, r.recipient ?? null, r.status, r.type ?? null, r.attempts ?? null, r.errorCode ?? null, r.errorMessage ?? null, r.channelMessageId ?? null);
      return `(${COLUMNS.map((_, c) => `$${i * COLUMNS.length + c + 1}`).join(',')})`;
    });
    const sql = `INSERT INTO ${this.table} (${COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING`;
    try {
      return (await this.pool.query(sql, values)).rowCount ?? 0;
    } catch (err) {
      if ((err as { code?: string }).code !== NO_PARTITION) throw err;
      const days = new Set(rows.map((r) => dayStart(new Date(r.at)).getTime()));
      await this.locked(async (run) => {
        for (const d of days) await run(createPartitionSql(this.options.schema, new Date(d)));
      });
      return (await this.pool.query(sql, values)).rowCount ?? 0;
    }
  }

  async query(q: LogQuery): Promise<LogPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (cond: string, value: unknown) => {
      args.push(value);
      where.push(cond.replace('?', `$${args.length}`));
    };
    if (q.instanceId) add('instance_id = ?', q.instanceId);
    if (q.campaignId) add('campaign_id = ?', q.campaignId);
    if (q.status) add('status = ?', q.status);
    if (q.since) add('at >= ?', q.since);
    if (q.until) add('at < ?', q.until);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      args.push(c.at, c.id);
      where.push(`(at, event_id) < ($${args.length - 1}, $${args.length})`);
    }
    args.push(q.limit + 1);
    const sql = `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, event_id DESC LIMIT $${args.length}`;
    const rows = (await this.pool.query(sql, args)).rows.map(fromDbRow);
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]) : null };
  }

  async campaignOutcomes(campaignId: string, afterMessageId: string, limit: number): Promise<CampaignOutcome[]> {
    const sql = `SELECT message_id, max(recipient) AS recipient, max(channel) AS channel, max(attempts) AS attempts,
        min(at) FILTER (WHERE status = 'sent') AS sent_at, min(at) FILTER (WHERE status = 'delivered') AS delivered_at,
        min(at) FILTER (WHERE status = 'read') AS read_at, max(at) FILTER (WHERE status = 'failed') AS failed_at,
        (array_agg(error_code ORDER BY at DESC) FILTER (WHERE status = 'failed'))[1] AS error_code,
        (array_agg(error_message ORDER BY at DESC) FILTER (WHERE status = 'failed'))[1] AS error_message
      FROM ${this.table} WHERE campaign_id = $1 AND message_id > $2
      GROUP BY message_id ORDER BY message_id LIMIT $3`;
    const res = await this.pool.query<OutcomeDbRow>(sql, [campaignId, afterMessageId, limit]);
    return res.rows.map(foldOutcome);
  }

  async roll(now = new Date()): Promise<PartitionRoll> {
    const out: PartitionRoll = { created: [], dropped: [] };
    await this.locked(async (run) => {
      for (const sql of createTableSql(this.options.schema)) await run(sql);
      const existing = new Set((await run(PARTITIONS_SQL, [this.options.schema])).rows.map((r) => String(r.name)));
      for (const day of daysAround(now, this.options.daysAhead)) {
        const sql = createPartitionSql(this.options.schema, day);
        const name = sql.match(/"(message_log_p\d{8})"/)?.[1] ?? '';
        if (existing.has(name)) continue;
        await run(sql);
        out.created.push(name);
      }
      for (const name of existing) {
        const day = partitionDay(name);
        if (!day || !isExpired(day, now, this.options.retentionDays)) continue;
        await run(`DROP TABLE IF EXISTS ${quoteIdent(this.options.schema)}.${quoteIdent(name)}`);
        out.dropped.push(name);
      }
    });
    return out;
  }

  async partitions(): Promise<string[]> {
    return (await this.pool.query(PARTITIONS_SQL, [this.options.schema])).rows.map((r) => String(r.name));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * DDL under one transaction-scoped advisory lock: whatsapp-server and webhook-worker may both
   * prepare at start, and two CREATE ... IF NOT EXISTS racing each other can still fail.
   */
  private async locked(fn: (run: (sql: string, args?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`wa-message-log:${this.options.schema}`]);
      await fn((sql, args) => client.query(sql, args));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
