import { TestEvent, fixtureEvent } from '../helpers/env';
import type { Redis } from 'ioredis';
import { cleanupPrefix, freePort, testConfig, uniquePrefix, waitFor } from '../helpers/env';
import { createRedis, waitForRedis } from '../../src/shared/redis';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import type { Config } from '../../src/shared/config';
import { createQueues, QueueSet, AppQueue } from '../../src/queues/factory';
import { EventPublisher } from '../../src/queues/publisher';
import { enqueueMaintenance, MAINTENANCE_JOB } from '../../src/queues/maintenance-jobs';
import { cleanJobs, expireOldData, MaintenanceDeps, trimDeadLetterSet } from '../../src/maintenance/tasks';
import { publishHeartbeats } from '../../src/maintenance/heartbeat';
import { startMaintenanceSchedule } from '../../src/maintenance/scheduler';
import { DeadLetterStore } from '../../src/webhooks/dead-letters';
import { InstanceRegistry } from '../../src/whatsapp/instances/registry';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { webhookWorkerSpec } from '../../src/apps/webhook-worker/wiring';
import { startServer } from '../../src/apps/whatsapp-server/wiring';

const prefix = uniquePrefix('maint');
const logger = silentLogger();
const DAY = 86_400_000;
const keys = redisKeys(prefix);
let config: Config;
let redis: Redis;
let queueSet: QueueSet;
let deps: MaintenanceDeps;

const CRONS_OFF = { CRON_CLEAN: 'off', CRON_EXPIRE: 'off', CRON_TRIM_DEAD_LETTERS: 'off', CRON_HEARTBEAT: 'off' };

beforeAll(async () => {
  config = testConfig(prefix, { MESSAGE_RETENTION_DAYS: 7, DEAD_LETTER_MAX: 5, IDEMPOTENCY_TTL_SECONDS: 86400, ...CRONS_OFF });
  redis = createRedis(config.REDIS_URL, { name: `${prefix}-test` });
  queueSet = createQueues(config, logger);
  deps = { config, logger, redis, queues: Object.values(queueSet.queues) };
  await waitForRedis(redis);
});

afterAll(async () => {
  await queueSet.close();
  await redis.quit();
  await cleanupPrefix(prefix);
});

/** Moves a finished job's finish time into the past (hash field and its sorted-set score). */
async function backdate(queue: AppQueue<'message'>, id: string, state: 'completed' | 'failed', ms: number): Promise<void> {
  const at = Date.now() - ms;
  await redis.hset(`${prefix}:${queue.name}:${id}`, 'finishedOn', at);
  await redis.zadd(`${prefix}:${queue.name}:${state}`, at, id);
}

describe('clean-jobs', () => {
  it('removes completed and failed jobs older than the retention, and nothing else', async () => {
    // a private consumer finishes jobs here: ok-* complete, bad-* fail for good
    const local = createQueues(config, logger);
    const q = local.queues.message;
    void q.process(async (job) => {
      if (String(job.id).startsWith('bad')) throw new Error('fails on purpose');
      return 'ok';
    });
    const data = (id: string) => ({ messageId: id, instanceId: 'i1', to: '5511999990000', content: { type: 'text' as const, text: id }, createdAt: Date.now() });
    for (const id of ['ok-old', 'ok-new', 'bad-old', 'bad-new']) await q.add(data(id), { jobId: id, attempts: 1 });
    await waitFor(async () => (await q.getCompletedCount()) === 2 && (await q.getFailedCount()) === 2, { what: 'jobs finished' });
    await local.close();

    const queue = queueSet.queues.message;
    await queue.add(data('waiting-old'), { jobId: 'waiting-old', timestamp: Date.now() - 30 * DAY } as never); // Bull takes `timestamp`; its types omit it
    await queue.add(data('later-1'), { jobId: 'later-1', delay: DAY }); // (a job id 'delayed' would be Bull's own key)
    await backdate(queue, 'ok-old', 'completed', 8 * DAY);
    await backdate(queue, 'bad-old', 'failed', 8 * DAY);
    await backdate(queue, 'ok-new', 'completed', 6 * DAY);

    const result = await cleanJobs(deps);
    expect(result.message).toEqual({ completed: 1, failed: 1 });
    expect(result.webhook).toEqual({ completed: 0, failed: 0 });
    expect(await queue.getJob('ok-old')).toBeNull();
    expect(await queue.getJob('bad-old')).toBeNull();
    expect(await (await queue.getJob('ok-new'))!.getState()).toBe('completed');
    expect(await (await queue.getJob('bad-new'))!.getState()).toBe('failed');
    expect(await (await queue.getJob('waiting-old'))!.getState()).toBe('waiting');
    expect(await (await queue.getJob('later-1'))!.getState()).toBe('delayed');
    await queue.empty();
  });
});

describe('expire-data', () => {
  const iso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();

  it('gives data without a TTL its retention, deletes what is past it, and leaves the rest alone', async () => {
    await redis.hset(keys.message('old'), 'status', 'read', 'sentAt', iso(10 * DAY), 'readAt', iso(9 * DAY));
    await redis.hset(keys.message('recent'), 'status', 'sent', 'sentAt', iso(DAY));
    await redis.hset(keys.message('ttl-ok'), 'status', 'sent', 'sentAt', iso(0));
    await redis.pexpire(keys.message('ttl-ok'), 3_600_000);
    await redis.hset(keys.message('ttl-long'), 'status', 'sent', 'sentAt', iso(0));
    await redis.pexpire(keys.message('ttl-long'), 30 * DAY);
    await redis.set(keys.sendRecord('s1'), '{"state":"sent"}');
    await redis.set(keys.idempotency('i1:k1'), 'm1');
    // campaigns: finished long ago, finished yesterday, still running
    await redis.hset(keys.campaign('c-old'), 'status', 'completed', 'finishedAt', Date.now() - 10 * DAY, 'createdAt', Date.now() - 11 * DAY);
    await redis.hset(keys.campaignState('c-old'), '5511999990000', 'sent');
    await redis.hset(keys.campaign('c-done'), 'status', 'cancelled', 'finishedAt', Date.now() - DAY, 'createdAt', Date.now() - 2 * DAY);
    await redis.rpush(keys.campaignRecipients('c-done'), '5511999990000');
    await redis.hset(keys.campaign('c-run'), 'status', 'running', 'createdAt', Date.now() - 20 * DAY);
    await redis.rpush(keys.campaignRecipients('c-run'), '5511999990000');
    // not ours to expire: registry, credentials, a queue job
    await redis.hset(keys.instances, 'i1', '{"instanceId":"i1"}');
    await redis.set(keys.authCreds('i1'), '{}');
    await queueSet.queues.webhook.add({ event: fixtureEvent({ id: 'E1', type: 'qr.updated', instanceId: 'i1', timestamp: iso(30 * DAY), data: {} }) }, { jobId: 'E1' });

    const result = await expireOldData(deps);
    expect(result.deleted).toBe(3); // msg:old, camp:c-old, camp:c-old:state
    expect(result.ttlSet).toBe(6); // msg:recent, msg:ttl-long, sent:s1, idem, camp:c-done (+recipients)

    const ttl = (k: string) => redis.pttl(k);
    expect(await redis.exists(keys.message('old'), keys.campaign('c-old'), keys.campaignState('c-old'))).toBe(0);
    expect(await ttl(keys.message('recent'))).toBeGreaterThan(5.9 * DAY);
    expect(await ttl(keys.message('recent'))).toBeLessThanOrEqual(6 * DAY);
    expect(await ttl(keys.message('ttl-ok'))).toBeLessThanOrEqual(3_600_000);
    expect(await ttl(keys.message('ttl-long'))).toBeLessThanOrEqual(7 * DAY);
    expect(await ttl(keys.message('ttl-long'))).toBeGreaterThan(6.9 * DAY);
    expect(await ttl(keys.sendRecord('s1'))).toBeGreaterThan(6.9 * DAY);
    expect(await ttl(keys.idempotency('i1:k1'))).toBeLessThanOrEqual(DAY);
    expect(await ttl(keys.idempotency('i1:k1'))).toBeGreaterThan(0.9 * DAY);
    for (const k of [keys.campaign('c-done'), keys.campaignRecipients('c-done')]) {
      expect(await ttl(k)).toBeGreaterThan(5.9 * DAY);
      expect(await ttl(k)).toBeLessThanOrEqual(6 * DAY);
    }
    for (const k of [keys.campaign('c-run'), keys.campaignRecipients('c-run'), keys.instances, keys.authCreds('i1')]) expect(await ttl(k)).toBe(-1);
    expect(await queueSet.queues.webhook.getJob('E1')).not.toBeNull();

    // a second pass finds nothing left to do
    expect(await expireOldData(deps)).toMatchObject({ deleted: 0, ttlSet: 0 });
    await queueSet.queues.webhook.empty();
  });
});

describe('trim-dead-letters', () => {
  it('drops the oldest entries beyond DEAD_LETTER_MAX and bodies without an index entry', async () => {
    const store = new DeadLetterStore(redis, prefix, 100); // the writer's bound was higher
    for (let i = 0; i < 8; i++) {
      const event = fixtureEvent({ id: `dl-${i}`, type: 'message.sent', instanceId: 'i1', timestamp: new Date().toISOString(), data: {} });
      await store.add({ id: event.id, event, lastError: 'HTTP 500', attempts: 15, deadAt: new Date(Date.now() - (10 - i) * 60_000).toISOString() });
    }
    await redis.hset(keys.deadLetterEvents, 'orphan', '{}');

    expect(await trimDeadLetterSet(deps)).toEqual({ trimmed: 3, orphans: 1, remaining: 5 });
    expect(await store.allIds()).toEqual(['dl-3', 'dl-4', 'dl-5', 'dl-6', 'dl-7']);
    expect((await redis.hkeys(keys.deadLetterEvents)).sort()).toEqual(['dl-3', 'dl-4', 'dl-5', 'dl-6', 'dl-7']);
    expect(await trimDeadLetterSet(deps)).toEqual({ trimmed: 0, orphans: 0, remaining: 5 });
  });

  it('runs as a maintenance job in webhook-worker when enqueued', async () => {
    await redis.del(keys.deadLetters, keys.deadLetterEvents);
    const store = new DeadLetterStore(redis, prefix, 100);
    for (let i = 0; i < 7; i++) {
      const event = fixtureEvent({ id: `job-dl-${i}`, type: 'message.sent', instanceId: 'i1', timestamp: new Date().toISOString(), data: {} });
      await store.add({ id: event.id, event, lastError: 'HTTP 500', attempts: 15, deadAt: new Date(Date.now() - (10 - i) * 1000).toISOString() });
    }
    const workerConfig = testConfig(prefix, { MESSAGE_RETENTION_DAYS: 7, DEAD_LETTER_MAX: 5, WEBHOOK_WORKER_PORT: await freePort(), ...CRONS_OFF });
    const worker = await startWorker(webhookWorkerSpec(workerConfig, logger), workerConfig, logger);
    try {
      const jobId = await enqueueMaintenance(queueSet.queues.webhook, 'trim-dead-letters');
      // the same task in the same minute is one job
      expect(await enqueueMaintenance(queueSet.queues.webhook, 'trim-dead-letters')).toBe(jobId);
      await waitFor(async () => (await (await queueSet.queues.webhook.getJob(jobId))?.getState()) === 'completed', { what: 'maintenance job completed' });
      const job = await queueSet.queues.webhook.getJob(jobId);
      expect(job!.name).toBe(MAINTENANCE_JOB);
      expect(job!.returnvalue).toEqual({ trimmed: 2, orphans: 0, remaining: 5 });
      expect(await store.count()).toBe(5);
    } finally {
      await worker.close();
    }
  });
});

describe('schedule and heartbeat', () => {
  it('the schedule only enqueues: a tick adds a maintenance job; "off" schedules nothing', async () => {
    const enqueued: string[] = [];
    const schedule = startMaintenanceSchedule(
      testConfig(prefix, { ...CRONS_OFF, CRON_TRIM_DEAD_LETTERS: '* * * * * *' }),
      logger,
      { enqueue: async (task) => enqueued.push(task), heartbeat: async () => 0 },
    );
    try {
      expect(schedule.active).toEqual({ 'trim-dead-letters': '* * * * * *' });
      await waitFor(() => enqueued.length > 0, { timeoutMs: 5000, what: 'a tick' });
      expect(new Set(enqueued)).toEqual(new Set(['trim-dead-letters']));
    } finally {
      await schedule.stop();
    }
  });

  it('heartbeat enqueues one instance.heartbeat per registered instance', async () => {
    await redis.del(keys.instances);
    const registry = new InstanceRegistry(redis, keys);
    const now = Date.now();
    await registry.insert({ instanceId: 'hb-1', status: 'connected', createdAt: now, updatedAt: now });
    await registry.insert({ instanceId: 'hb-2', status: 'logged_out', createdAt: now, updatedAt: now, webhookUrl: 'https://crm.example/hook' });
    await registry.insert({ instanceId: 'hb-3', status: 'qr', createdAt: now, updatedAt: now });
    const publisher = new EventPublisher(queueSet.queues.webhook, logger);
    const n = await publishHeartbeats({ list: () => registry.list(), publish: (e) => publisher.publishAndWait(e) });
    expect(n).toBe(3);
    const jobs = await queueSet.queues.webhook.getWaiting();
    const beats = jobs.map((j) => j.data.event).filter((e) => e.type === 'instance.heartbeat');
    expect(beats.map((e) => e.instanceId).sort()).toEqual(['hb-1', 'hb-2', 'hb-3']);
    expect(beats.find((e) => e.instanceId === 'hb-1')!.data).toMatchObject({ status: 'connected', connected: true });
    expect(beats.find((e) => e.instanceId === 'hb-2')).toMatchObject({ data: { status: 'logged_out', connected: false }, targetUrl: 'https://crm.example/hook' });
    await queueSet.queues.webhook.empty();
  });

  it("whatsapp-server's heartbeat reports its live sandbox sessions", async () => {
    await redis.del(keys.instances);
    const serverConfig = testConfig(prefix, { SERVER_PORT: await freePort(), SANDBOX_LINK_DELAY_MS: 0, RESTORE_JITTER_MS: 0, ...CRONS_OFF });
    const server = await startServer(serverConfig, logger);
    try {
      await server.sessions.create({ instanceId: 'live-1' });
      await server.sessions.create({ instanceId: 'live-2' });
      await waitFor(async () => (await server.sessions.list()).every((i) => i.status === 'connected'), { what: 'connected' });
      await server.deps.queues.webhook.empty();
      expect(await server.ops.heartbeat()).toBe(2);
      const beats = (await server.deps.queues.webhook.getWaiting()).map((j) => j.data.event).filter((e) => e.type === 'instance.heartbeat');
      expect(beats.map((e) => [e.instanceId, e.data.status, e.data.live]).sort()).toEqual([
        ['live-1', 'connected', true],
        ['live-2', 'connected', true],
      ]);
    } finally {
      await server.close();
    }
  });
});
