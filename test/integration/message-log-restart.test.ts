/**
 * The message log across REAL PostgreSQL restarts: the batch writer (the LogBuffer + LogWriter +
 * PgMessageLog webhook-worker runs) writes into a private PostgreSQL server
 * (test/helpers/private-postgres.ts) while rows keep coming; the server is stopped cleanly
 * (pg_ctl -m fast) and crashed (pg_ctl -m immediate, WAL recovery on the next start). While it is
 * down the rows wait in the Redis buffer; after the writer catches up every row fed is in the
 * table exactly once. No PostgreSQL binaries: the file fails, naming the missing one (never skips).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, sleep, uniquePrefix, waitFor } from '../helpers/env';
import { sql } from '../helpers/postgres';
import { postgresBinDir, PrivatePostgres } from '../helpers/private-postgres';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { LogBuffer, LogRow, LogWriter, PgMessageLog } from '../../src/message-log';

const schema = 'mlog_restart';
const prefix = uniquePrefix('mlog-restart');
const redis = new IORedis(REDIS_URL);
let pg: PrivatePostgres | undefined;
let log: PgMessageLog | undefined;
let writer: LogWriter | undefined;

beforeAll(async () => {
  pg = await PrivatePostgres.start();
}, 120_000);

afterAll(async () => {
  await writer?.stop().catch(() => undefined);
  await log?.close().catch(() => undefined);
  await pg?.destroy();
  await cleanupPrefix(prefix);
  redis.disconnect();
}, 60_000);

let n = 0;
function row(): LogRow {
  n++;
  return { id: `rs-${n}`, at: new Date().toISOString(), instanceId: 'shop-r', channel: 'whatsapp', messageId: `3EB0${String(n).padStart(18, '0')}`, recipient: '5511999990001', status: 'sent', type: 'text' };
}

/** Feeds `size` rows every `everyMs` into the buffer until stopped; keeps every id fed. */
function feeder(buffer: LogBuffer, size = 10, everyMs = 20) {
  const ids: string[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const rows = Array.from({ length: size }, row);
      expect(await buffer.push(rows)).toBe(0); // none refused
      ids.push(...rows.map((r) => r.id));
      await sleep(everyMs);
    }
  })();
  return { ids, stop: async () => ((stopped = true), await done) };
}

const stored = async (url: string) => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".message_log`, [], url))[0].n);

describe('private PostgreSQL binaries', () => {
  it('names the missing binary when PostgreSQL is not installed', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-pg-'));
    try {
      expect(() => postgresBinDir({ PATH: empty }, join(empty, 'nothing'))).toThrow(/initdb, pg_ctl, postgres binaries are missing/);
      // a directory with initdb and pg_ctl but no postgres names postgres alone
      const real = postgresBinDir();
      for (const b of ['initdb', 'pg_ctl']) symlinkSync(join(real, b), join(empty, b));
      expect(() => postgresBinDir({ PATH: empty }, join(empty, 'nothing'))).toThrow(/PostgreSQL's postgres binary is missing/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('message log across real PostgreSQL restarts', () => {
  it('loses no row through a clean restart and a crash while rows keep coming', async () => {
    const server = pg!;
    log = new PgMessageLog({ url: server.url, schema, retentionDays: 7, daysAhead: 3, poolMax: 2, logger: silentLogger(), statementTimeoutMs: 3000 });
    await log.prepare();
    const buffer = new LogBuffer(redis, redisKeys(prefix), 1_000_000);
    writer = new LogWriter(buffer, log, { batchSize: 200, flushMs: 100, logger: silentLogger(), maxBackoffMs: 300 });
    writer.start();
    const feed = feeder(buffer);
    await waitFor(async () => (await stored(server.url)) >= 300, { timeoutMs: 15_000, what: 'first rows in PostgreSQL' });

    const outage = async (mode: 'fast' | 'immediate') => {
      const writtenBefore = (await writer!.stats()).written;
      await server.stop(mode);
      const fedWhileUp = feed.ids.length;
      await waitFor(async () => (await writer!.stats()).postgres === 'down', { timeoutMs: 10_000, what: `writer sees the ${mode} stop` });
      const writtenAtStop = (await writer!.stats()).written;
      await sleep(1500); // down for a while, rows keep coming
      // nothing can leave the buffer while the server is down: it holds at least every row fed since
      const fedWhileDown = feed.ids.length - fedWhileUp;
      expect(fedWhileDown).toBeGreaterThan(200);
      expect(await buffer.length()).toBeGreaterThanOrEqual(fedWhileDown);
      expect((await writer!.stats()).written).toBe(writtenAtStop);
      await server.start();
      await waitFor(async () => {
        const s = await writer!.stats();
        return s.postgres === 'up' && s.written > writtenBefore + fedWhileDown;
      }, { timeoutMs: 20_000, what: `writer catches up after the ${mode} stop` });
    };

    await outage('fast');
    expect(server.log()).toMatch(/received fast shutdown request/);
    await outage('immediate');
    expect(server.log()).toMatch(/received immediate shutdown request/);
    expect(server.log()).toMatch(/database system was interrupted|not properly shut down/); // crash recovery ran

    await sleep(500); // rows still coming after the crash
    await feed.stop();
    await waitFor(async () => (await buffer.length()) === 0, { timeoutMs: 30_000, what: 'buffer drained' });

    const [counts] = await sql<{ rows: string; ids: string }>(`SELECT count(*) AS rows, count(DISTINCT event_id) AS ids FROM "${schema}".message_log`, [], server.url);
    expect({ rows: Number(counts.rows), ids: Number(counts.ids) }).toEqual({ rows: feed.ids.length, ids: feed.ids.length });
    const present = await sql<{ event_id: string }>(`SELECT event_id FROM "${schema}".message_log WHERE event_id = ANY($1)`, [feed.ids], server.url);
    expect(present.length).toBe(feed.ids.length);
    const stats = await writer.stats();
    expect(stats).toMatchObject({ postgres: 'up', buffered: 0, refused: 0 });
    expect(stats.failures).toBeGreaterThan(0);
  }, 90_000);
});
