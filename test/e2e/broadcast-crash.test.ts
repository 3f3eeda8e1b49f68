import IORedis from 'ioredis';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { freePort, REDIS_URL, testEnv, waitFor } from '../helpers/env';
import { AppProcess, spawnApp } from '../helpers/processes';
import { redisKeys } from '../../src/shared/keys';

/**
 * broadcast-worker as a real process (dist/), SIGKILLed in the middle of a campaign and started
 * again: the campaign completes and every recipient is in the sandbox log exactly once. The sandbox
 * latency makes the kill likely to land while a send is in flight (recipient `sending`), the case
 * the resend-with-the-same-id policy covers. Short queue locks (QUEUE_LOCK_DURATION_MS,
 * QUEUE_STALLED_INTERVAL_MS) let the second process take the stalled job over in seconds.
 */
jest.setTimeout(120_000);

const stack = new BroadcastStack('bcrash');
const TOTAL = 150;
const running: AppProcess[] = [];
let redis: IORedis;
let env: Record<string, string>;

function startWorkerProcess(): AppProcess {
  const p = spawnApp('broadcast-worker', env);
  running.push(p);
  return p;
}

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  await stack.start({ SANDBOX_LATENCY_MS: 30 }, false);
  await stack.createInstance('crash-1');
  env = testEnv(stack.prefix, {
    SERVER_PORT: stack.config.SERVER_PORT,
    BROADCAST_WORKER_PORT: await freePort(),
    QUEUE_LOCK_DURATION_MS: 2000,
    QUEUE_STALLED_INTERVAL_MS: 1000,
    LOG_LEVEL: 'error',
  });
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await stack.stop();
  redis?.disconnect();
});

it('a campaign survives SIGKILL of broadcast-worker: completes with every recipient exactly once', async () => {
  const contacts = Array.from({ length: TOTAL }, (_, i) => `55119${String(7_000_000 + i)}`);
  const res = await stack.call('POST', '/queue/add-broadcast', { instanceId: 'crash-1', campaignId: 'camp-crash', contacts, message: 'crash test' });
  expect(res.status).toBe(202);

  const first = startWorkerProcess();
  await waitFor(async () => (await stack.sendLog('crash-1')).length >= 40, { timeoutMs: 30_000, what: 'sends before the kill' });
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = (await stack.sendLog('crash-1')).length;
  expect(atKill).toBeLessThan(TOTAL);
  const states = await redis.hvals(redisKeys(stack.prefix).campaignState('camp-crash'));
  const inFlight = states.filter((s) => s === 'sending').length;
  expect(inFlight).toBeLessThanOrEqual(1); // one runner, one recipient in flight at most

  startWorkerProcess();
  const done = await stack.waitStatus('camp-crash', 'completed', 60_000);
  expect(done).toMatchObject({ total: TOTAL, sent: TOTAL, failed: 0, pending: 0 });

  const log = await stack.sendLog('crash-1');
  const perRecipient = new Map<string, number>();
  for (const l of log) perRecipient.set(l.to, (perRecipient.get(l.to) ?? 0) + 1);
  expect(perRecipient.size).toBe(TOTAL);
  expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
  expect(log).toHaveLength(TOTAL);
});
