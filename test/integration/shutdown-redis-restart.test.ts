import { freePort, testConfig, uniquePrefix } from '../helpers/env';
import { TestRedis } from '../helpers/processes';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { silentLogger } from '../../src/shared/logger';

jest.setTimeout(60_000);

/**
 * `pm2 restart all` with the embedded Redis restarts Redis and the workers at the same moment. A
 * worker whose shutdown began while its Bull connections were reconnecting used to hang in Bull's
 * close until SHUTDOWN_TIMEOUT_MS forced the exit (restart all took 21 s, "shutdown timed out").
 */
test('a worker shuts down in seconds when Redis restarted just before the signal', async () => {
  const redis = new TestRedis(await freePort());
  await redis.start();
  const config = testConfig(uniquePrefix('restart-close'), { REDIS_URL: redis.url, MESSAGE_WORKER_PORT: await freePort(), SHUTDOWN_TIMEOUT_MS: 20_000 });
  const worker = await startWorker(messageWorkerSpec(config, silentLogger()), config, silentLogger());
  try {
    await redis.stop('SIGINT');
    await redis.start();
    // the connections are now between "connection lost" and their next reconnect attempt
    const started = Date.now();
    const closed = await Promise.race([worker.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    expect({ closed, ms: Date.now() - started < 5000 }).toEqual({ closed: 'closed', ms: true });
  } finally {
    await redis.stop();
  }
});
