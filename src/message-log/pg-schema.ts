/**
 * The log's DDL: one table partitioned by day (UTC), a partition per day named
 * message_log_pYYYYMMDD, so retention is a DROP of whole partitions instead of a DELETE that
 * bloats the table (seed 003's migration 002, on this daemon's schema).
 */
const DAY_MS = 86_400_000;

export const TABLE = 'message_log';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createTableSql(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.${TABLE} (
      event_id text NOT NULL,
      at timestamptz NOT NULL,
      instance_id text NOT NULL,
      channel text NOT NULL,
      message_id text NOT NULL,
      campaign_id text,
      recipient text,
      status text NOT NULL,
      content_type text,
      attempts integer,
      error_code text,
      error_message text,
      channel_message_id text,
      PRIMARY KEY (at, event_id)
    ) PARTITION BY RANGE (at)`,
    // the API's filters: an instance's recent rows, a campaign's messages, one message's rows
    `CREATE INDEX IF NOT EXISTS ${TABLE}_instance_at ON ${s}.${TABLE} (instance_id, at DESC)`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_campaign ON ${s}.${TABLE} (campaign_id, message_id) WHERE campaign_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_message ON ${s}.${TABLE} (message_id)`,
  ];
}

/** Midnight UTC of the day `t` falls in. */
export function dayStart(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
}

export function partitionName(day: Date): string {
  return `${TABLE}_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The day a partition name stands for, or undefined for a table that is not one of ours. */
export function partitionDay(name: string): Date | undefined {
  const m = /^message_log_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
}

export function createPartitionSql(schema: string, day: Date): string {
  const s = quoteIdent(schema);
  const to = new Date(day.getTime() + DAY_MS);
  return `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent(partitionName(day))} PARTITION OF ${s}.${TABLE} FOR VALUES FROM ('${day.toISOString()}') TO ('${to.toISOString()}')`;
}

/** The days that must have a partition: yesterday (late rows near midnight) through `ahead` days on. */
export function daysAround(now: Date, ahead: number): Date[] {
  const today = dayStart(now).getTime();
  const out: Date[] = [];
  for (let i = -1; i <= ahead; i++) out.push(new Date(today + i * DAY_MS));
  return out;
}

/**
 * A partition is dropped once its last row is older than the retention counted from midnight:
 * every row is kept at least `retentionDays` days (with 7: today and the 7 days before).
 */
export function isExpired(day: Date, now: Date, retentionDays: number): boolean {
  return day.getTime() + DAY_MS <= dayStart(now).getTime() - retentionDays * DAY_MS;
}

export const PARTITIONS_SQL = `SELECT c.relname AS name FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_namespace n ON n.oid = p.relnamespace
  WHERE n.nspname = $1 AND p.relname = '${TABLE}' ORDER BY c.relname`;
