import request from 'supertest';
import type { Job } from 'bull';
import { cleanupPrefix, freePort, testConfig, uniquePrefix, waitFor, TEST_SECRETS, fixtureEvent } from '../helpers/env';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';
import type { QueueName } from '../../src/queues/contract';

const prefix = uniquePrefix('platform');
const logger = silentLogger();
let server: StartedServer;
const workers: Running[] = [];
const consumed: Record<QueueName, Array<{ id: unknown; data: unknown }>> = { message: [], webhook: [], broadcast: [] };
const ports: Record<QueueName, number> = { message: 0, webhook: 0, broadcast: 0 };

beforeAll(async () => {
  const [s, m, w, b] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  Object.assign(ports, { message: m, webhook: w, broadcast: b });
  const config = testConfig(prefix, { SERVER_PORT: s, MESSAGE_WORKER_PORT: m, WEBHOOK_WORKER_PORT: w, BROADCAST_WORKER_PORT: b });
  server = await startServer(config, logger);
  const names = { message: 'message-worker', webhook: 'webhook-worker', broadcast: 'broadcast-worker' } as const;
  for (const queue of ['message', 'webhook', 'broadcast'] as const) {
    workers.push(
      await startWorker(
        {
          name: names[queue],
          queue,
          port: ports[queue],
          concurrency: 2,
          // The generic worker shape with a recording handler: features replace only this.
          handler: () => async (job: Job) => {
            consumed[queue].push({ id: job.id, data: job.data });
            return { ok: true };
          },
        },
        config,
        logger,
      ),
    );
  }
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await server?.close();
  await cleanupPrefix(prefix);
});

describe('platform on real Redis', () => {
  it('each worker consumes the jobs of its own queue', async () => {
    const { queues } = server.deps;
    await queues.message.add({ messageId: 'M1', instanceId: 'i1', to: '5511999999999', content: { type: 'text', text: 'hi' }, createdAt: Date.now() }, { jobId: 'M1' });
    await queues.webhook.add({ event: fixtureEvent({ id: 'E1', type: 'qr.updated', instanceId: 'i1', timestamp: new Date().toISOString(), data: {} }) }, { jobId: 'E1' });
    await queues.broadcast.add({ campaignId: 'C1', instanceId: 'i1' }, { jobId: 'C1' });
    await waitFor(() => consumed.message.length && consumed.webhook.length && consumed.broadcast.length, { what: 'all three consumed' });
    expect(consumed.message.map((j) => j.id)).toEqual(['M1']);
    expect(consumed.webhook.map((j) => j.id)).toEqual(['E1']);
    expect(consumed.broadcast.map((j) => j.id)).toEqual(['C1']);
    expect(consumed.message[0].data).toMatchObject({ messageId: 'M1', to: '5511999999999' });
  });

  it('reports real counts in /queue-status and each /health', async () => {
    const { queues } = server.deps;
    await waitFor(async () => (await queues.broadcast.getCompletedCount()) === 1, { what: 'completion recorded' });
    await queues.webhook.add({ event: fixtureEvent({ id: 'E2', type: 'qr.updated', instanceId: 'i1', timestamp: new Date().toISOString(), data: {} }) }, { jobId: 'E2', delay: 60_000 });
    await queues.webhook.add({ event: fixtureEvent({ id: 'E3', type: 'qr.updated', instanceId: 'i1', timestamp: new Date().toISOString(), data: {} }) }, { jobId: 'E3', delay: 60_000 });

    const status = await request(server.app).get('/queue-status').set('apikey', TEST_SECRETS.API_KEY).expect(200);
    expect(status.body.queues.webhook).toEqual({ waiting: 0, active: 0, completed: 1, failed: 0, delayed: 2, paused: 0 });
    expect(status.body.queues.broadcast.completed).toBe(1);
    expect(Object.keys(status.body.queues).sort()).toEqual(['broadcast', 'message', 'webhook']);

    const health = await request(server.app).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', process: 'whatsapp-server', pid: process.pid, redis: { reachable: true } });
    expect(health.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof health.body.uptime).toBe('number');

    const worker = await fetch(`http://127.0.0.1:${ports.webhook}/health`);
    expect(worker.status).toBe(200);
    const body = (await worker.json()) as { process: string; queues: Record<string, { delayed: number }> };
    expect(body.process).toBe('webhook-worker');
    expect(Object.keys(body.queues)).toEqual(['webhook']);
    expect(body.queues.webhook.delayed).toBe(2);
  });

  it('refuses every route but /health without the API key', async () => {
    for (const path of ['/queue-status', '/anything']) {
      const res = await request(server.app).get(path);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    await request(server.app).get('/health').expect(200);
  });

  it('answers unknown routes and bad bodies with JSON errors', async () => {
    const auth = { apikey: TEST_SECRETS.API_KEY };
    const missing = await request(server.app).get('/nope').set(auth).expect(404);
    expect(missing.body).toMatchObject({ success: false, error: { code: 'not_found' } });
    const badJson = await request(server.app).post('/nope').set(auth).set('content-type', 'application/json').send('{"a":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('bad_request');
    const notJson = await request(server.app).post('/nope').set(auth).set('content-type', 'text/plain').send('hello');
    expect(notJson.status).toBe(415);
  });

  it('close() lets an active job finish before returning', async () => {
    const config = testConfig(prefix, { MESSAGE_WORKER_PORT: await freePort() });
    let finished = false;
    const w = await startWorker(
      {
        name: 'message-worker',
        queue: 'message',
        port: config.MESSAGE_WORKER_PORT,
        concurrency: 1,
        handler: () => async () => {
          await new Promise((r) => setTimeout(r, 700));
          finished = true;
        },
      },
      config,
      logger,
    );
    // The recording worker above also consumes `message`; close it first so this one gets the job.
    await workers[0].close();
    const job = await server.deps.queues.message.add({ messageId: 'M9', instanceId: 'i1', to: '5511999999999', content: { type: 'text', text: 'x' }, createdAt: Date.now() });
    await waitFor(async () => (await job.getState()) === 'active', { what: 'job active' });
    await w.close();
    expect(finished).toBe(true);
    expect(await (await server.deps.queues.message.getJob(job.id))!.getState()).toBe('completed');
  });
});
