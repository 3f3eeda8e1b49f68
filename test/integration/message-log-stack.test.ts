/**
 * The message log end to end: whatsapp-server, message-worker, broadcast-worker and webhook-worker
 * in this process (sandbox driver, real Redis, the machine's PostgreSQL in a schema of its own):
 * outcomes and receipts of single messages and of a campaign reach PostgreSQL through the Redis
 * buffer, and GET /messages and the campaign CSV answer from it.
 */
import { freePort, waitFor } from '../helpers/env';
import { dropSchema, logEnv, sql, uniqueSchema } from '../helpers/postgres';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { enqueueMaintenance } from '../../src/queues/maintenance-jobs';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';

const schema = uniqueSchema('mlog_stack');
const stack = new BroadcastStack('mlog-stack');
const workers: Running[] = [];

beforeAll(async () => {
  await stack.start({ ...logEnv(schema), MESSAGE_WORKER_PORT: await freePort(), WEBHOOK_WORKER_PORT: await freePort(), SANDBOX_RECEIPT_DELAY_MS: 50 });
  workers.push(await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger()));
  workers.push(await startWorker(webhookWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger()));
  await stack.createInstance('log-1');
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await stack.stop();
  await dropSchema(schema);
});

const rows = (where = 'true', args: unknown[] = []) => sql<Record<string, unknown>>(`SELECT * FROM "${schema}".message_log WHERE ${where} ORDER BY at`, args);

describe('message log through the real processes', () => {
  it('logs sent, delivered and read of single messages and answers GET /messages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.call('POST', '/queue/add-message', { instanceId: 'log-1', phone: `551199999000${i}`, message: `oi ${i}` })).body.messageId);
    await waitFor(async () => (await rows("status = 'read' AND message_id = ANY($1)", [ids])).length === 3, { timeoutMs: 15_000, what: 'read rows' });
    const all = await rows('message_id = ANY($1)', [ids]);
    for (const id of ids) expect(all.filter((r) => r.message_id === id).map((r) => r.status)).toEqual(['sent', 'delivered', 'read']);
    expect(all[0]).toMatchObject({ instance_id: 'log-1', channel: 'whatsapp', content_type: 'text' });

    const page = await stack.call('GET', '/messages?instanceId=log-1&status=read&limit=2');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await stack.call('GET', `/messages?instanceId=log-1&status=read&limit=2&cursor=${page.body.nextCursor}`);
    expect([...page.body.items, ...next.body.items].map((r: { messageId: string }) => r.messageId).sort()).toEqual([...ids].sort());
    expect((await stack.call('GET', '/messages?status=bogus')).status).toBe(400);
    const stats = await fetch(`http://127.0.0.1:${stack.config.WEBHOOK_WORKER_PORT}/stats/message-log`).then((r) => r.json());
    expect(stats).toMatchObject({ enabled: true, postgres: 'up' });
  });

  it("logs a campaign's outcomes and receipts and exports them as CSV", async () => {
    const contacts = ['5511988880001', '5511988880002', 'not-a-phone', '5511988880003'];
    const res = await stack.call('POST', '/queue/add-broadcast', { instanceId: 'log-1', campaignId: 'log-camp', contacts, message: 'Oi {{name}}' });
    expect(res.status).toBeLessThan(300);
    await stack.waitStatus('log-camp', 'completed');
    await waitFor(async () => (await rows("campaign_id = 'log-camp' AND status = 'read'")).length === 3, { timeoutMs: 15_000, what: 'campaign receipts' });
    const csv = await fetch(`http://127.0.0.1:${stack.config.SERVER_PORT}/broadcast-status/log-camp/export`, { headers: { authorization: `Bearer ${stack.config.API_KEY}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('recipient,messageId,channel,status,attempts,sentAt,deliveredAt,readAt,failedAt,errorCode,errorMessage');
    expect(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')[3]]).sort()).toEqual([['5511988880001', 'read'], ['5511988880002', 'read'], ['5511988880003', 'read']]);
    expect((await stack.call('GET', '/broadcast-status/nope-camp/export')).status).toBe(404);
  });

  it('rolls partitions from the maintenance job webhook-worker runs', async () => {
    const queue = stack.server.deps.queues.webhook;
    const jobId = await enqueueMaintenance(queue, 'roll-message-log');
    const job = await waitFor(async () => {
      const j = await queue.getJob(jobId);
      return j && (await j.isCompleted()) ? j : undefined;
    }, { what: 'roll job done' });
    expect(job.returnvalue).toEqual({ created: expect.any(Array), dropped: expect.any(Array) });
    const parts = await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'message_log_p%'`, [schema]);
    expect(Number(parts[0].n)).toBeGreaterThanOrEqual(5);
  });
});
