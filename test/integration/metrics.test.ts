import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { Receiver } from '../helpers/receiver';
import { parseProm, sampleValue, Sample } from '../helpers/prom';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import type { Config } from '../../src/shared/config';
import type { Running } from '../../src/shared/lifecycle';

const prefix = uniquePrefix('metrics');
const logFile = join(tmpdir(), `${prefix}-sandbox.jsonl`);
const logger = silentLogger();
const receiver = new Receiver();
const KEY = { authorization: `Bearer ${TEST_SECRETS.API_KEY}` };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
let config: Config;
let server: StartedServer;
const workers: Running[] = [];

const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
const get = (port: number, path: string, headers: Record<string, string> = {}) => fetch(url(port, path), { headers });
const scrape = async (port: number, headers: Record<string, string> = {}): Promise<Sample[]> => {
  const res = await get(port, '/metrics', headers);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseProm(await res.text());
};
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(url(config.SERVER_PORT, path), {
    method,
    headers: { ...KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

beforeAll(async () => {
  await receiver.start();
  config = testConfig(prefix, {
    SERVER_PORT: await freePort(),
    MESSAGE_WORKER_PORT: await freePort(),
    WEBHOOK_WORKER_PORT: await freePort(),
    BROADCAST_WORKER_PORT: await freePort(),
    SUPABASE_FUNCTIONS_URL: `${receiver.url}/functions/v1`,
    SANDBOX_LOG_FILE: logFile,
    SANDBOX_LINK_DELAY_MS: 0,
    SANDBOX_RECEIPT_DELAY_MS: 20,
    RESTORE_JITTER_MS: 0,
    CRON_CLEAN: 'off',
    CRON_EXPIRE: 'off',
    CRON_TRIM_DEAD_LETTERS: 'off',
    CRON_HEARTBEAT: 'off',
  });
  server = await startServer(config, logger);
  workers.push(await startWorker(messageWorkerSpec(config, logger), config, logger));
  workers.push(await startWorker(webhookWorkerSpec(config, logger), config, logger));

  // traffic: one sandbox instance, three messages sent end to end, their events delivered
  expect((await api('POST', '/instance/create', { instanceId: 'metrics-1' })).status).toBe(201);
  await waitFor(async () => (await api('GET', '/instance/metrics-1/status')).body.status === 'connected', { what: 'connected' });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    const res = await api('POST', '/queue/add-message', { instanceId: 'metrics-1', phone: `551199999000${n}`, message: `hello ${n}` });
    expect(res.status).toBe(202);
    ids.push(res.body.messageId);
  }
  for (const id of ids) await waitFor(async () => ['sent', 'delivered', 'read'].includes((await api('GET', `/messages/${id}`)).body.message?.status), { what: `${id} sent` });
  await waitFor(() => receiver.requests.filter((r) => (r.json as { type?: string })?.type === 'message.sent').length >= 3, { what: 'message.sent delivered' });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await server?.close();
  await receiver.stop();
  await cleanupPrefix(prefix);
  await rm(logFile, { force: true });
});

describe('GET /metrics', () => {
  it('on whatsapp-server: queue depth, sessions, dead letters, Redis and process series with real values', async () => {
    // a job nobody consumes here (no broadcast-worker), due 5 s ago: the oldest-waiting age shows it
    await server.deps.queues.broadcast.add({ campaignId: 'waiting-1', instanceId: 'metrics-1' }, { jobId: 'waiting-1', timestamp: Date.now() - 5000 } as never); // Bull takes `timestamp`; its types omit it
    const s = await scrape(config.SERVER_PORT, KEY);
    const on = { process: 'whatsapp-server' };
    expect(sampleValue(s, 'wa_queue_jobs', { ...on, queue: 'message', state: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(s, 'wa_queue_jobs', { ...on, queue: 'broadcast', state: 'waiting' })).toBe(1);
    expect(sampleValue(s, 'wa_queue_oldest_waiting_seconds', { ...on, queue: 'broadcast' })).toBeGreaterThanOrEqual(5);
    expect(sampleValue(s, 'wa_queue_oldest_waiting_seconds', { ...on, queue: 'message' })).toBe(0);
    expect(sampleValue(s, 'wa_sessions', { ...on, status: 'connected' })).toBe(1);
    expect(sampleValue(s, 'wa_dead_letters', on)).toBe(0);
    expect(sampleValue(s, 'wa_redis_up', on)).toBe(1);
    expect(sampleValue(s, 'process_resident_memory_bytes', on)).toBeGreaterThan(10_000_000);
    expect(sampleValue(s, 'nodejs_eventloop_lag_p99_seconds', on)).toBeGreaterThan(0);
  });

  it('on whatsapp-server needs the API key (METRICS_PUBLIC is off)', async () => {
    expect((await get(config.SERVER_PORT, '/metrics')).status).toBe(401);
    expect((await get(config.SERVER_PORT, '/metrics', { authorization: 'Bearer wrong-key-0123456789' })).status).toBe(401);
  });

  it('on message-worker: jobs completed and sends per instance, counted from real work', async () => {
    const s = await scrape(config.MESSAGE_WORKER_PORT);
    const on = { process: 'message-worker' };
    expect(sampleValue(s, 'wa_jobs_total', { ...on, queue: 'message', outcome: 'completed' })).toBe(3);
    expect(sampleValue(s, 'wa_jobs_total', { ...on, queue: 'message', outcome: 'failed' })).toBe(0);
    expect(sampleValue(s, 'wa_sends_total', { ...on, instance: 'metrics-1', outcome: 'sent' })).toBe(3);
    expect(sampleValue(s, 'wa_queue_jobs', { ...on, queue: 'message', state: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(s, 'process_resident_memory_bytes', on)).toBeGreaterThan(0);
  });

  it('on webhook-worker: deliveries by family and the dead-letter size', async () => {
    const s = await scrape(config.WEBHOOK_WORKER_PORT);
    const on = { process: 'webhook-worker' };
    const delivered = sampleValue(s, 'wa_webhook_deliveries_total', { ...on, family: 'messages', outcome: 'delivered' }) ?? 0;
    expect(delivered).toBeGreaterThanOrEqual(3);
    expect(delivered).toBeLessThanOrEqual(receiver.requests.length);
    expect(sampleValue(s, 'wa_jobs_total', { ...on, queue: 'webhook', outcome: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(s, 'wa_dead_letters', on)).toBe(0);
  });
});

describe('GET /stats', () => {
  it('shows the same numbers as JSON, with every worker (a missing one as down)', async () => {
    expect((await get(config.SERVER_PORT, '/stats')).status).toBe(401);
    const res = await get(config.SERVER_PORT, '/stats', KEY);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body.success).toBe(true);
    expect(body.server.process).toBe('whatsapp-server');
    expect(body.server.queue_jobs.message.completed).toBeGreaterThanOrEqual(3);
    expect(body.server.sessions.connected).toBe(1);
    expect(body.server.rssBytes).toBeGreaterThan(0);
    expect(body.workers['message-worker']).toMatchObject({ up: true, process: 'message-worker' });
    expect(body.workers['message-worker'].jobs_total.message.completed).toBe(3);
    expect(body.workers['message-worker'].sends_total['metrics-1'].sent).toBe(3);
    expect(body.workers['webhook-worker'].webhook_deliveries_total.messages.delivered).toBeGreaterThanOrEqual(3);
    expect(body.workers['broadcast-worker'].up).toBe(false);
  });
});

describe('Bull Board at /admin/queues', () => {
  it('answers 401 with a basic-auth challenge without credentials or with wrong ones', async () => {
    const none = await get(config.SERVER_PORT, '/admin/queues');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await get(config.SERVER_PORT, '/admin/queues', basic('admin', 'not-the-key'))).status).toBe(401);
    expect((await get(config.SERVER_PORT, '/admin/queues', basic('someone', TEST_SECRETS.API_KEY))).status).toBe(401);
    expect((await get(config.SERVER_PORT, '/admin/queues/api/queues')).status).toBe(401);
  });

  it('answers 200 with basic auth (ADMIN_USER + API_KEY) or the API key, and lists the three queues', async () => {
    const page = await get(config.SERVER_PORT, '/admin/queues', basic('admin', TEST_SECRETS.API_KEY));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const list = await get(config.SERVER_PORT, '/admin/queues/api/queues', KEY);
    expect(list.status).toBe(200);
    const names = ((await list.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['broadcast', 'message', 'webhook']);
  });

  it('retries failed jobs and cleans completed ones', async () => {
    // a message for an instance that does not exist fails for good in message-worker
    const queue = server.deps.queues.message;
    await queue.add({ messageId: 'bad-1', instanceId: 'no-such-instance', to: '5511999990009', content: { type: 'text', text: 'x' }, createdAt: Date.now() }, { jobId: 'bad-1' });
    await waitFor(async () => (await (await queue.getJob('bad-1'))?.getState()) === 'failed', { what: 'bad-1 failed' });
    const failedBefore = sampleValue(await scrape(config.MESSAGE_WORKER_PORT), 'wa_jobs_total', { queue: 'message', outcome: 'failed' }) ?? 0;
    expect(failedBefore).toBeGreaterThanOrEqual(1);

    const retry = await fetch(url(config.SERVER_PORT, '/admin/queues/api/queues/message/retry/failed'), { method: 'PUT', headers: KEY });
    expect(retry.status).toBe(200);
    // the retried job ran again (and failed again: the instance still does not exist)
    await waitFor(async () => (sampleValue(await scrape(config.MESSAGE_WORKER_PORT), 'wa_jobs_total', { queue: 'message', outcome: 'failed' }) ?? 0) > failedBefore, { what: 'retried job processed' });

    // Bull Board's clean keeps jobs finished in the last 5 s: all but one are made older than that
    const completed = await queue.getCompleted();
    expect(completed.length).toBeGreaterThanOrEqual(3);
    const [fresh, ...old] = completed;
    for (const job of old) await server.deps.redis.hset(`${prefix}:message:${job.id}`, 'finishedOn', Date.now() - 60_000);
    const clean = await fetch(url(config.SERVER_PORT, '/admin/queues/api/queues/message/clean/completed'), { method: 'PUT', headers: KEY });
    expect(clean.status).toBe(200);
    expect((await queue.getCompleted()).map((j) => j.id)).toEqual([fresh.id]);
  });
});
