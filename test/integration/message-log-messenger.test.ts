/**
 * Messenger outcomes reach the message log: whatsapp-server, message-worker, broadcast-worker
 * (MessengerStack, sending to the Graph stand-in) and webhook-worker (the log's writer) in this
 * process, on real Redis and the machine's PostgreSQL in a schema of its own. A send through the
 * Send API, its delivered and read (the stand-in's signed webhooks) and a refused recipient all
 * become rows with channel messenger.
 */
import { freePort, waitFor } from '../helpers/env';
import { dropSchema, logEnv, sql, uniqueSchema } from '../helpers/postgres';
import { MessengerStack } from '../helpers/messenger-stack';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { silentLogger } from '../../src/shared/logger';

const schema = uniqueSchema('mlog_msgr');
const stack = new MessengerStack({ latencyMs: 5, receipts: { deliveredAfterMs: 60, readAfterMs: 150 } });

beforeAll(async () => {
  await stack.start({ ...logEnv(schema), WEBHOOK_WORKER_PORT: await freePort() });
  stack.workers.push(await startWorker(webhookWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger()));
  expect((await stack.createPage('page-log', '1000000077', 'EAAG-page-token-log-0123456789-abcdef')).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stack.stop();
  await dropSchema(schema);
});

const rows = (messageId: string) => sql<Record<string, unknown>>(`SELECT * FROM "${schema}".message_log WHERE message_id = $1 ORDER BY at`, [messageId]);
const add = (body: Record<string, unknown>) => stack.call('POST', '/queue/add-message', { instanceId: 'page-log', ...body });

describe('Messenger outcomes in the message log', () => {
  it('logs a send through the Send API, then its delivered and read, with channel messenger', async () => {
    const res = await add({ psid: '2000000000007001', message: 'Oi do log' });
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    await stack.waitStatus(id, 'read');
    const logged = await waitFor(async () => {
      const r = await rows(id);
      return r.length === 3 ? r : undefined;
    }, { timeoutMs: 15_000, what: 'sent, delivered and read rows' });
    expect(logged.map((r) => r.status)).toEqual(['sent', 'delivered', 'read']);
    for (const r of logged) expect(r).toMatchObject({ instance_id: 'page-log', channel: 'messenger', message_id: id });
    expect(logged[0]).toMatchObject({ recipient: '2000000000007001', content_type: 'text' });
    expect(stack.graph.sends.some((s) => s.psid === '2000000000007001')).toBe(true);

    const page = await stack.call('GET', '/messages?instanceId=page-log&status=sent&limit=10');
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: id, channel: 'messenger' })]));
  });

  it('logs a recipient the Send API refuses as failed, with its error code', async () => {
    stack.graph.markUnreachable('2000000000007002');
    const res = await add({ psid: '2000000000007002', message: 'x' });
    const id = res.body.messageId as string;
    await stack.waitStatus(id, 'failed');
    const [failed] = await waitFor(async () => {
      const r = await rows(id);
      return r.length ? r : undefined;
    }, { timeoutMs: 15_000, what: 'failed row' });
    expect(failed).toMatchObject({ channel: 'messenger', status: 'failed', error_code: 'invalid_recipient', recipient: '2000000000007002' });
  });
});
