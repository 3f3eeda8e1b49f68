import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, uniquePrefix, waitFor } from '../helpers/env';
import { dropSchema, sql, TEST_DATABASE_URL, uniqueSchema } from '../helpers/postgres';
import { TcpProxy } from '../helpers/tcp-proxy';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { LogBuffer, LogRow, LogWriter, PgMessageLog } from '../../src/message-log';
import { partitionName, dayStart } from '../../src/message-log/pg-schema';

const DAY = 86_400_000;
const schema = uniqueSchema('mlog');
const prefix = uniquePrefix('mlog');
const redis = new IORedis(REDIS_URL);
const keys = redisKeys(prefix);
const stores: PgMessageLog[] = [];

function store(url = TEST_DATABASE_URL, retentionDays = 7): PgMessageLog {
  const s = new PgMessageLog({ url, schema, retentionDays, daysAhead: 3, poolMax: 2, logger: silentLogger(), statementTimeoutMs: 3000 });
  stores.push(s);
  return s;
}

let n = 0;
function row(over: Partial<LogRow> = {}): LogRow {
  n++;
  return { id: `ev-${n}`, at: new Date().toISOString(), instanceId: 'shop-1', channel: 'whatsapp', messageId: `3EB0${String(n).padStart(18, '0')}`, recipient: '5511999990001', status: 'sent', type: 'text', ...over };
}

const count = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".message_log`))[0].n);

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await dropSchema(schema);
  await cleanupPrefix(prefix);
  redis.disconnect();
});

describe('message log in PostgreSQL', () => {
  const log = store();

  it('prepares a day-partitioned table with partitions from yesterday to 3 days ahead', async () => {
    await log.prepare();
    await log.prepare(); // idempotent
    const today = dayStart(new Date());
    const parts = await log.partitions();
    for (let i = -1; i <= 3; i++) expect(parts).toContain(partitionName(new Date(today.getTime() + i * DAY)));
    const [t] = await sql<{ kind: string }>(`SELECT c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'message_log'`, [schema]);
    expect(t.kind).toBe('p'); // partitioned
  });

  it('stores a batch once, whatever repeats, and creates a missing day on demand', async () => {
    const rows = [row(), row(), row({ at: new Date(Date.now() - 20 * DAY).toISOString() })];
    expect(await log.insert(rows)).toBe(3);
    expect(await log.insert(rows)).toBe(0);
    expect(await log.partitions()).toContain(partitionName(dayStart(new Date(rows[2].at))));
  });

  it('queries by instance, campaign, status and time, newest first, with a cursor', async () => {
    const t0 = Date.now() - 60_000;
    const rows = Array.from({ length: 25 }, (_, i) => row({ instanceId: 'q-1', campaignId: i % 2 ? 'camp-q' : undefined, status: i % 5 === 0 ? 'failed' : 'sent', at: new Date(t0 + i * 1000).toISOString() }));
    await log.insert(rows);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.query({ instanceId: 'q-1', limit: 10, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.id).reverse());
    expect((await log.query({ instanceId: 'q-1', status: 'failed', limit: 100 })).items).toHaveLength(5);
    expect((await log.query({ campaignId: 'camp-q', limit: 100 })).items).toHaveLength(12);
    const window = await log.query({ instanceId: 'q-1', since: new Date(t0 + 10_000), until: new Date(t0 + 15_000), limit: 100 });
    expect(window.items.map((r) => r.id)).toEqual(rows.slice(10, 15).map((r) => r.id).reverse());
  });

  it("folds a campaign's rows into one outcome per recipient", async () => {
    const at = (s: number) => new Date(Date.now() - 100_000 + s * 1000).toISOString();
    await log.insert([
      row({ campaignId: 'camp-f', messageId: 'M1', recipient: 'r1', status: 'sent', at: at(1) }),
      row({ campaignId: 'camp-f', messageId: 'M1', recipient: 'r1', status: 'delivered', at: at(2) }),
      row({ campaignId: 'camp-f', messageId: 'M1', recipient: 'r1', status: 'read', at: at(3) }),
      row({ campaignId: 'camp-f', messageId: 'M2', recipient: 'r2', status: 'failed', errorCode: 'invalid_recipient', errorMessage: 'no', at: at(1) }),
      row({ campaignId: 'camp-f', messageId: 'M3', recipient: 'r3', status: 'sent', at: at(1) }),
      row({ campaignId: 'camp-f', messageId: 'M3', recipient: 'r3', status: 'failed', errorCode: 'rejected', at: at(2) }),
    ]);
    const out = await log.campaignOutcomes('camp-f', '', 10);
    expect(out.map((o) => [o.recipient, o.status, o.errorCode])).toEqual([['r1', 'read', null], ['r2', 'failed', 'invalid_recipient'], ['r3', 'failed', 'rejected']]);
    expect(await log.campaignOutcomes('camp-f', 'M1', 10)).toHaveLength(2);
  });

  it('rolls partitions: creates the days ahead and drops the days past the retention', async () => {
    const later = new Date(Date.now() + 12 * DAY);
    const before = await log.partitions();
    const roll = await log.roll(later);
    expect(roll.created).toContain(partitionName(dayStart(new Date(later.getTime() + 3 * DAY))));
    // everything ending 7 days before `later`'s midnight is gone, the rest kept
    for (const name of before) {
      const day = Date.UTC(Number(name.slice(13, 17)), Number(name.slice(17, 19)) - 1, Number(name.slice(19, 21)));
      const expired = day + DAY <= dayStart(later).getTime() - 7 * DAY;
      expect({ name, dropped: roll.dropped.includes(name) }).toEqual({ name, dropped: expired });
    }
    expect(roll.dropped.length).toBeGreaterThan(0);
    expect(await log.partitions()).not.toEqual(expect.arrayContaining(roll.dropped));
    await log.prepare(); // back to today's partitions for the tests below
  });
});

describe('batch writer (Redis buffer -> PostgreSQL)', () => {
  it('writes in batches of 200 and flushes a partial batch after the interval', async () => {
    const log = store();
    await log.prepare();
    const buffer = new LogBuffer(redis, keys, 100_000);
    const writer = new LogWriter(buffer, log, { batchSize: 200, flushMs: 300, logger: silentLogger() });
    const before = await count();
    await buffer.push(Array.from({ length: 450 }, () => row()));
    expect(await writer.drain()).toBe(400); // two full batches at once; the 50 wait for the interval
    expect(await buffer.length()).toBe(50);
    await new Promise((r) => setTimeout(r, 320));
    expect(await writer.drain()).toBe(50);
    expect((await writer.stats()).batches).toBe(3);
    expect(await count()).toBe(before + 450);
    await writer.stop();
  });

  it('loses no row when PostgreSQL goes away mid-stream, and catches up when it is back', async () => {
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(TEST_DATABASE_URL).port || 5432)).start();
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    const log = store(url.toString());
    await log.prepare();
    const buffer = new LogBuffer(redis, keys, 100_000);
    const writer = new LogWriter(buffer, log, { batchSize: 200, flushMs: 100, logger: silentLogger(), maxBackoffMs: 300 });
    writer.start();
    const before = await count();
    const ids: string[] = [];
    const produce = async (k: number) => {
      const rows = Array.from({ length: k }, () => row());
      ids.push(...rows.map((r) => r.id));
      await buffer.push(rows);
    };
    await produce(300);
    await waitFor(async () => (await buffer.length()) === 0, { what: 'first rows written' });
    proxy.cut(); // PostgreSQL "down": every connection cut, new ones refused
    for (let i = 0; i < 10; i++) {
      await produce(100);
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(async () => (await writer.stats()).postgres === 'down', { what: 'writer sees the outage' });
    expect(await buffer.length()).toBeGreaterThanOrEqual(900);
    expect((await writer.stats()).lagMs).toBeGreaterThan(0);
    proxy.restore();
    await waitFor(async () => (await buffer.length()) === 0, { timeoutMs: 20_000, what: 'buffer drained after the outage' });
    expect(await count()).toBe(before + 1300);
    const stored = await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".message_log WHERE event_id = ANY($1)`, [ids]);
    expect(new Set(stored.map((r) => r.event_id)).size).toBe(ids.length);
    const stats = await writer.stats();
    expect(stats.failures).toBeGreaterThan(0);
    expect(stats.postgres).toBe('up');
    await writer.stop();
    await proxy.stop();
  });

  it('refuses rows beyond its bound loudly (counted), never silently', async () => {
    const small = new LogBuffer(redis, redisKeys(`${prefix}-small`), 5);
    expect(await small.push(Array.from({ length: 8 }, () => row()))).toBe(3);
    expect(await small.length()).toBe(5);
    expect(await small.dropped()).toBe(3);
    await cleanupPrefix(`${prefix}-small`);
  });
});
