import { createServer, Server } from 'node:net';
import { freePort, testEnv, uniquePrefix, waitFor, TEST_SECRETS } from '../helpers/env';
import { healthStatus } from '../helpers/pm2';
import { AppProcess, spawnApp, TestRedis } from '../helpers/processes';

jest.setTimeout(90_000);

const prefix = uniquePrefix('faults');
const running: AppProcess[] = [];
let redis: TestRedis;

beforeAll(async () => {
  redis = new TestRedis(await freePort());
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await redis.stop();
});

function start(name: string, env: Record<string, string>): AppProcess {
  const p = spawnApp(name, env);
  running.push(p);
  return p;
}

async function timedGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number; body: { error?: { code: string } } }> {
  const started = Date.now();
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, ms: Date.now() - started, body: (await res.json()) as { error?: { code: string } } };
}

describe('faults', () => {
  it('waits out Redis down at start, reports 503 with the reason, recovers by itself, and fails fast when Redis is lost', async () => {
    const [serverPort, workerPort] = [await freePort(), await freePort()];
    // A generous shutdown deadline: this test is about exiting 0 after Redis came back, not about speed.
    const env = testEnv(prefix, { REDIS_URL: redis.url, SERVER_PORT: serverPort, MESSAGE_WORKER_PORT: workerPort, SHUTDOWN_TIMEOUT_MS: 15000 });
    const worker = start('message-worker', env);
    const server = start('whatsapp-server', env);

    const down = await waitFor(async () => {
      const h = await healthStatus(workerPort);
      return h.status === 503 ? h : undefined;
    }, { what: 'worker health 503' });
    expect(down.body.redis).toMatchObject({ reachable: false, error: expect.any(String) });
    await waitFor(async () => (await healthStatus(serverPort)).status === 503, { what: 'server health 503' });

    await redis.start();
    await waitFor(async () => (await healthStatus(workerPort)).status === 200, { timeoutMs: 20_000, what: 'worker recovered' });
    await waitFor(async () => (await healthStatus(serverPort)).status === 200, { timeoutMs: 20_000, what: 'server recovered' });
    const auth = { apikey: TEST_SECRETS.API_KEY };
    expect((await timedGet(`http://127.0.0.1:${serverPort}/queue-status`, auth)).status).toBe(200);

    await redis.stop('SIGKILL');
    // The API must answer (503) instead of hanging; 5 s is the client's give-up time, not a speed target.
    const lost = await waitFor(async () => {
      const r = await timedGet(`http://127.0.0.1:${serverPort}/queue-status`, auth);
      return r.status === 503 ? r : undefined;
    }, { what: 'queue-status 503' });
    expect(lost.body.error?.code).toBe('redis_unavailable');
    // the queue board's data API too: it would wait on Bull's commands until they gave up
    const board = await timedGet(`http://127.0.0.1:${serverPort}/admin/queues/api/queues`, auth);
    expect(board.status).toBe(503);
    expect(board.body.error?.code).toBe('redis_unavailable');
    expect((await healthStatus(serverPort)).status).toBe(503);
    expect((await healthStatus(workerPort)).status).toBe(503);
    expect(worker.child.exitCode).toBeNull();
    expect(server.child.exitCode).toBeNull();

    await redis.start();
    await waitFor(async () => (await healthStatus(serverPort)).status === 200, { timeoutMs: 20_000, what: 'server recovered again' });
    await waitFor(async () => (await healthStatus(workerPort)).status === 200, { timeoutMs: 20_000, what: 'worker recovered again' });

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await worker.stop('SIGTERM')).toBe(0);
  });

  it('exits with a message naming the port when it is in use', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const p = start('webhook-worker', testEnv(prefix, { WEBHOOK_WORKER_PORT: port }));
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(`port ${port}`);
    } finally {
      blocker.close();
    }
  });

  it('exits with a message naming a bad variable', async () => {
    const p = start('broadcast-worker', testEnv(prefix, { BROADCAST_WORKER_PORT: 'abc' }));
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('BROADCAST_WORKER_PORT');
  });
});
