import IORedis from 'ioredis';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { freePort, REDIS_URL, sleep, testEnv, waitFor } from '../helpers/env';
import { AppProcess, spawnApp } from '../helpers/processes';
import { redisKeys } from '../../src/shared/keys';

/**
 * One budget shared by two processes: message-worker and broadcast-worker run as the compiled
 * processes (dist/), whatsapp-server in this process, all on one Redis. Pacing is off (sends go in
 * parallel), so only the budget's atomic reservations keep the number under its cap of 6 a minute,
 * whichever process sends. Instead of waiting a minute, the test moves the sends' times in Redis
 * back by 61 s: the rolling minute empties and the held sends of both processes go on.
 */
jest.setTimeout(90_000);

const CAP = 6;
const stack = new BroadcastStack('budget-shared');
const running: AppProcess[] = [];
const redis = new IORedis(REDIS_URL);
const ID = 'sh-1';
const phone = (i: number) => `5511966${String(i).padStart(6, '0')}`;

async function spawnReady(name: 'message-worker' | 'broadcast-worker', env: Record<string, string>, port: number): Promise<void> {
  const p = spawnApp(name, env);
  running.push(p);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { timeoutMs: 20_000, what: `${name} healthy` });
}

/** The rolling minute passes: every send counted in it moves 61 s into the past. */
async function minutePasses(): Promise<void> {
  const key = redisKeys(stack.prefix).budgetSends(ID);
  const entries = await redis.zrange(key, 0, -1, 'WITHSCORES');
  for (let i = 0; i < entries.length; i += 2) await redis.zadd(key, Number(entries[i + 1]) - 61_000, entries[i]);
}

beforeAll(async () => {
  const caps = { BUDGET_PER_MINUTE: CAP, BUDGET_RECHECK_MS: 300 };
  await stack.start(caps, false);
  await stack.createInstance(ID);
  const messagePort = await freePort();
  const broadcastPort = await freePort();
  const env = testEnv(stack.prefix, { SERVER_PORT: stack.config.SERVER_PORT, MESSAGE_WORKER_PORT: messagePort, BROADCAST_WORKER_PORT: broadcastPort, LOG_LEVEL: 'error', ...caps });
  await Promise.all([spawnReady('message-worker', env, messagePort), spawnReady('broadcast-worker', env, broadcastPort)]);
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await stack.stop();
  redis.disconnect();
});

it('message-worker and broadcast-worker in two processes never send more than the cap between them', async () => {
  const singles = await Promise.all(Array.from({ length: 8 }, (_, i) => stack.call('POST', '/queue/add-message', { instanceId: ID, phone: phone(i), message: `Pedido ${i} confirmado` })));
  const campaign = Array.from({ length: 8 }, (_, i) => phone(100 + i));
  expect((await stack.call('POST', '/queue/add-broadcast', { instanceId: ID, campaignId: 'camp-shared', contacts: campaign, message: 'Oferta {{name}}' })).status).toBe(202);

  await waitFor(async () => (await stack.sendLog(ID)).length >= CAP, { what: `${CAP} sends`, timeoutMs: 20_000 });
  await sleep(1500);
  expect(await stack.sendLog(ID)).toHaveLength(CAP);
  // both processes are held by the same window, each saying so
  await waitFor(async () => (await stack.status('camp-shared')).body.pauseReason === 'minute_cap', { what: 'campaign held by the minute cap' });
  const views = await Promise.all(singles.map(async (s) => (await stack.call('GET', `/messages/${s.body.messageId}`)).body.message));
  const held = views.filter((m) => m.status === 'sending');
  expect(held.length).toBeGreaterThan(0);
  for (const m of held) expect(m).toMatchObject({ lastError: { code: 'budget_held' }, hold: { rule: 'minute_cap' } });
  expect((await stack.call('GET', `/instance/${ID}/budget`)).body).toMatchObject({ caps: { perMinute: CAP }, used: { minute: CAP }, remaining: { minute: 0 }, hold: { rule: 'minute_cap' } });

  // a minute later (moved in Redis): exactly CAP more, then held again
  await minutePasses();
  await waitFor(async () => (await stack.sendLog(ID)).length >= 2 * CAP, { what: `${2 * CAP} sends`, timeoutMs: 20_000 });
  await sleep(1500);
  expect(await stack.sendLog(ID)).toHaveLength(2 * CAP);

  await minutePasses();
  await stack.waitStatus('camp-shared', 'completed', 20_000);
  await waitFor(async () => (await stack.sendLog(ID)).length === 16, { what: 'all 16 sent', timeoutMs: 20_000 });
  const log = await stack.sendLog(ID);
  expect(new Set(log.map((l) => l.to)).size).toBe(16);
  expect((await stack.call('GET', `/instance/${ID}/budget`)).body.used.day).toBe(16);
});
