import IORedis from 'ioredis';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { REDIS_URL, sleep, waitFor } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { campaignMessageId } from '../../src/whatsapp/ids';

/**
 * Campaigns end to end: add-broadcast on whatsapp-server (sandbox driver, real Redis, real HTTP),
 * broadcast-worker in this process, every send checked in the sandbox's send log.
 */
const stack = new BroadcastStack('broadcast');
let redis: IORedis;

const phone = (i: number) => `551198${String(i).padStart(7, '0')}`;
/** the same number written the way people type it */
const pretty = (p: string) => `+${p.slice(0, 2)} (${p.slice(2, 4)}) ${p.slice(4, 9)}-${p.slice(9)}`;

const add = (body: Record<string, unknown>) => stack.call('POST', '/queue/add-broadcast', body);

function gaps(ats: number[]): number[] {
  return ats.slice(1).map((t, i) => t - ats[i]);
}

beforeAll(async () => {
  redis = new IORedis(REDIS_URL);
  await stack.start({
    BROADCAST_MAX_CONTACTS: 1500,
    // the 1,000-contact body is larger than the global limit: add-broadcast has its own
    BODY_LIMIT: '20kb',
    BROADCAST_BODY_LIMIT: '300kb',
    BROADCAST_PROGRESS_EVERY: 100,
    QUEUE_LOCK_DURATION_MS: 5000,
  });
  for (const id of ['bc-bulk', 'bc-rate', 'bc-sched', 'bc-ctl', 'bc-gone', 'bc-circuit', 'bc-cap']) await stack.createInstance(id);
}, 60_000);

afterAll(async () => {
  await stack.stop();
  redis?.disconnect();
});

describe('add-broadcast and the campaign run', () => {
  it('sends 1,000 contacts with duplicates and invalid numbers: each valid recipient once, templates rendered', async () => {
    const unique = Array.from({ length: 900 }, (_, i) => phone(i));
    const contacts: unknown[] = unique.map((p, i) => (i % 3 === 0 ? p : { phone: p, name: `Cliente ${i}`, variables: { code: `C${i}` } }));
    for (let i = 0; i < 50; i++) contacts.push(pretty(unique[i * 7])); // duplicates, other spelling
    const bad = ['abc', '123', '', '0011', null, 42, { name: 'no phone' }, ['x'], { phone: '5511999990000', variables: 'oops' }, '+55 11 9@99'];
    for (let i = 0; i < 50; i++) contacts.push(bad[i % bad.length]);
    expect(contacts).toHaveLength(1000);

    const message = 'Olá {{name}}, seu código é {{ code }}{{missing}}!';
    const res = await add({ action: 'send_broadcast', instanceId: 'bc-bulk', campaignId: 'camp-bulk', contacts, message, mediaType: 'text', mediaUrl: null });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, campaignId: 'camp-bulk', queued: 900, duplicates: 50, invalid: { count: 50 } });
    expect(res.body.invalid.items.length).toBe(50);
    expect(res.body.invalid.items[0]).toMatchObject({ index: 950, input: 'abc', reason: 'invalid_phone' });

    // the job carries ids only; recipients live in Redis
    const job = await stack.server.deps.queues.broadcast.getJob('camp-bulk');
    expect(job?.data).toEqual({ campaignId: 'camp-bulk', instanceId: 'bc-bulk' });

    // the same campaignId again: no second campaign
    const again = await add({ instanceId: 'bc-bulk', campaignId: 'camp-bulk', contacts: [phone(5000)], message: 'x' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: true, existing: true, queued: 900 });

    const done = await stack.waitStatus('camp-bulk', 'completed', 90_000);
    expect(done).toMatchObject({ total: 900, sent: 900, failed: 0, pending: 0, successRate: 100, invalid: 50, duplicates: 50, etaSeconds: null });
    expect(done.startedAt).toBeTruthy();
    expect(done.finishedAt).toBeTruthy();

    const log = await stack.sendLog('bc-bulk');
    expect(log).toHaveLength(900);
    expect(new Set(log.map((l) => l.to))).toEqual(new Set(unique));
    const byPhone = new Map(log.map((l) => [l.to, l.text]));
    expect(byPhone.get(unique[0])).toBe('Olá , seu código é !'); // plain string contact: variables empty
    expect(byPhone.get(unique[1])).toBe('Olá Cliente 1, seu código é C1!');
    expect(byPhone.get(unique[899])).toBe('Olá Cliente 899, seu código é C899!');

    // receipts (sandbox: delivered, then read) reach the campaign counters, each recipient once
    await waitFor(async () => {
      const s = (await stack.status('camp-bulk')).body;
      return s.delivered === 900 && s.read === 900;
    }, { timeoutMs: 20_000, what: 'receipts counted' });

    const completed = (await stack.events('campaign.completed')).filter((e) => e.data.campaignId === 'camp-bulk');
    expect(completed).toHaveLength(1);
    expect(completed[0].data).toMatchObject({ status: 'completed', sent: 900 });
    const progress = (await stack.events('campaign.progress')).filter((e) => e.data.campaignId === 'camp-bulk');
    expect(progress.length).toBeGreaterThanOrEqual(9); // every 100 sends, plus the start
    expect(progress.length).toBeLessThan(100); // throttled, not one per send

    // the worker counts its sends per instance (GET /metrics)
    const metrics = await (await fetch(`http://127.0.0.1:${stack.config.BROADCAST_WORKER_PORT}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('wa_sends_total{') && l.includes('instance="bc-bulk"') && l.includes('outcome="sent"'));
    expect(line).toMatch(/ 900$/);

    // finished campaign data is kept for the retention, then expires
    expect(await redis.ttl(redisKeys(stack.prefix).campaignRecipients('camp-bulk'))).toBeGreaterThan(0);
  }, 120_000);

  it('never sends two messages of a campaign closer than rateLimitMs', async () => {
    const contacts = Array.from({ length: 12 }, (_, i) => phone(10_000 + i));
    const res = await add({ instanceId: 'bc-rate', campaignId: 'camp-rate', contacts, message: 'paced', rateLimitMs: 100 });
    expect(res.status).toBe(202);
    await stack.waitStatus('camp-rate', 'completed');
    const log = await stack.sendLog('bc-rate');
    expect(log).toHaveLength(12);
    const ats = log.map((l) => l.at).sort((a, b) => a - b);
    expect(Math.min(...gaps(ats))).toBeGreaterThanOrEqual(100);

    // each campaign message has a stable id and a status record
    const messageId = campaignMessageId('camp-rate', contacts[0]);
    expect(log.find((l) => l.to === contacts[0])?.messageId).toBe(messageId);
    const status = await stack.call('GET', `/messages/${messageId}`);
    expect(status.status).toBe(200);
    expect(status.body.message).toMatchObject({ messageId, campaignId: 'camp-rate', to: contacts[0] });
  });

  it('campaigns on one instance share its pacing; campaigns on different instances run side by side', async () => {
    const mk = (base: number) => Array.from({ length: 8 }, (_, i) => phone(base + i));
    const before = (await stack.sendLog('bc-rate')).length;
    const posts = await Promise.all([
      add({ instanceId: 'bc-rate', campaignId: 'camp-share-a', contacts: mk(11_000), message: 'a', rateLimitMs: 150 }),
      add({ instanceId: 'bc-rate', campaignId: 'camp-share-b', contacts: mk(12_000), message: 'b', rateLimitMs: 150 }),
      add({ instanceId: 'bc-sched', campaignId: 'camp-other', contacts: mk(13_000), message: 'c', rateLimitMs: 150 }),
    ]);
    expect(posts.map((p) => p.status)).toEqual([202, 202, 202]);
    for (const id of ['camp-share-a', 'camp-share-b', 'camp-other']) await stack.waitStatus(id, 'completed');
    const shared = (await stack.sendLog('bc-rate')).slice(before);
    expect(shared).toHaveLength(16);
    // one budget for the number: the two campaigns together never closer than the gap
    expect(Math.min(...gaps(shared.map((l) => l.at).sort((a, b) => a - b)))).toBeGreaterThanOrEqual(150);
    // the other instance's campaign did not wait for them: its sends interleave with theirs
    const other = (await stack.sendLog('bc-sched')).map((l) => l.at);
    const sharedAts = shared.map((l) => l.at);
    expect(Math.min(...other)).toBeLessThan(Math.max(...sharedAts));
    expect(Math.max(...other)).toBeGreaterThan(Math.min(...sharedAts));
  });

  it('starts at scheduledFor, not before', async () => {
    const at = new Date(Date.now() + 2000);
    const res = await add({ instanceId: 'bc-sched', campaignId: 'camp-sched', contacts: [phone(20_000), phone(20_001)], message: 'later', scheduledFor: at.toISOString() });
    expect(res.status).toBe(202);
    expect(res.body.scheduledFor).toBe(at.toISOString());
    const early = (await stack.status('camp-sched')).body;
    expect(early.status).toBe('scheduled');
    expect(early.etaSeconds).toBeGreaterThanOrEqual(1);
    await stack.waitStatus('camp-sched', 'completed', 15_000);
    const log = (await stack.sendLog('bc-sched')).filter((l) => l.to === phone(20_000) || l.to === phone(20_001));
    expect(log).toHaveLength(2);
    expect(Math.min(...log.map((l) => l.at))).toBeGreaterThanOrEqual(at.getTime());
  });

  it('pause stops sending, resume continues, cancel stops for good', async () => {
    const contacts = Array.from({ length: 60 }, (_, i) => phone(30_000 + i));
    const res = await add({ instanceId: 'bc-ctl', campaignId: 'camp-ctl', contacts, message: 'ctl', rateLimitMs: 100 });
    expect(res.status).toBe(202);
    await waitFor(async () => (await stack.sendLog('bc-ctl')).length >= 5, { what: 'first sends' });

    const paused = await stack.call('POST', '/broadcast/camp-ctl/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ success: true, status: 'paused', pauseReason: 'user', previousStatus: 'running' });
    await sleep(400); // a send already past the check may still complete
    const atPause = (await stack.sendLog('bc-ctl')).length;
    await sleep(1000);
    expect((await stack.sendLog('bc-ctl')).length).toBe(atPause);
    expect((await stack.status('camp-ctl')).body.status).toBe('paused');
    expect((await stack.call('POST', '/broadcast/camp-ctl/pause')).status).toBe(409);

    const resumed = await stack.call('POST', '/broadcast/camp-ctl/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('running');
    await waitFor(async () => (await stack.sendLog('bc-ctl')).length >= atPause + 5, { what: 'sends after resume' });

    const cancelled = await stack.call('POST', '/broadcast/camp-ctl/cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await sleep(400);
    const atCancel = (await stack.sendLog('bc-ctl')).length;
    await sleep(800);
    const log = await stack.sendLog('bc-ctl');
    expect(log.length).toBe(atCancel);
    expect(log.length).toBeLessThan(60);
    expect(new Set(log.map((l) => l.to)).size).toBe(log.length);
    const final = (await stack.status('camp-ctl')).body;
    expect(final).toMatchObject({ status: 'cancelled', sent: log.length, pending: 60 - log.length });
    expect(final.finishedAt).toBeTruthy();
    expect((await stack.call('POST', '/broadcast/camp-ctl/resume')).status).toBe(409);
  });

  it('stops by itself and reports when the instance disappears', async () => {
    const contacts = Array.from({ length: 40 }, (_, i) => phone(40_000 + i));
    expect((await add({ instanceId: 'bc-gone', campaignId: 'camp-gone', contacts, message: 'gone', rateLimitMs: 100 })).status).toBe(202);
    await waitFor(async () => (await stack.sendLog('bc-gone')).length >= 3, { what: 'first sends' });
    expect((await stack.call('POST', '/instance/delete', { instanceId: 'bc-gone' })).status).toBe(200);
    const stopped = await stack.waitStatus('camp-gone', 'failed', 15_000);
    expect(stopped.error.code).toMatch(/instance_not_found|instance_not_connected/);
    expect(stopped.pending).toBeGreaterThan(0);
    const events = (await stack.events('campaign.stopped')).filter((e) => e.data.campaignId === 'camp-gone');
    expect(events).toHaveLength(1);

    // paired again, the stopped campaign resumes where it stopped: nobody gets it twice
    await stack.createInstance('bc-gone');
    expect((await stack.call('POST', '/broadcast/camp-gone/resume')).status).toBe(200);
    const done = await stack.waitStatus('camp-gone', 'completed', 30_000);
    expect(done).toMatchObject({ sent: 40, pending: 0, finishedAt: expect.any(String) });
    expect(done.error).toBeUndefined();
    const log = await stack.sendLog('bc-gone');
    expect(log).toHaveLength(40);
    expect(new Set(log.map((l) => l.to)).size).toBe(40);
  });

  it('cancelling a scheduled campaign removes its job and reports the end', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await add({ instanceId: 'bc-sched', campaignId: 'camp-later', contacts: [phone(90_000)], message: 'never', scheduledFor: at })).status).toBe(202);
    expect(await (await stack.server.deps.queues.broadcast.getJob('camp-later'))?.getState()).toBe('delayed');
    const res = await stack.call('POST', '/broadcast/camp-later/cancel');
    expect(res.body).toMatchObject({ status: 'cancelled', previousStatus: 'scheduled' });
    expect(await stack.server.deps.queues.broadcast.getJob('camp-later')).toBeNull();
    await waitFor(async () => (await stack.events('campaign.completed')).some((e) => e.data.campaignId === 'camp-later' && e.data.status === 'cancelled'), { what: 'end event' });
  });

  it('streams progress as Server-Sent Events and ends when the campaign is finished', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.config.SERVER_PORT}/broadcast-status/camp-rate/stream`, { headers: { authorization: `Bearer ${stack.config.API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text(); // the stream ends by itself: the campaign is completed
    expect(text).toMatch(/event: progress\ndata: \{.*"status":"completed"/);
    expect(text).toMatch(/event: end\ndata: \{"status":"completed"\}/);
  });

  it('waits while the instance circuit breaker is open and shows why', async () => {
    const keys = redisKeys(stack.prefix);
    const [sec] = await redis.time();
    await redis.hset(keys.circuit('bc-circuit'), 'failures', 5, 'openUntil', Number(sec) * 1000 + 1500, 'openedAt', Number(sec) * 1000);
    expect((await add({ instanceId: 'bc-circuit', campaignId: 'camp-circuit', contacts: [phone(50_000), phone(50_001)], message: 'wait' })).status).toBe(202);
    const held = await waitFor(async () => {
      const s = (await stack.status('camp-circuit')).body;
      return s.pauseReason === 'circuit_open' ? s : undefined;
    }, { what: 'circuit hold shown' });
    expect(held.status).toBe('paused');
    expect(await stack.sendLog('bc-circuit')).toHaveLength(0);
    await stack.waitStatus('camp-circuit', 'completed', 15_000);
    expect(await stack.sendLog('bc-circuit')).toHaveLength(2);
  });

  it('holds a campaign at the instance daily cap until the next day', async () => {
    const keys = redisKeys(stack.prefix);
    const record = JSON.parse((await redis.hget(keys.instances, 'bc-cap')) as string);
    await redis.hset(keys.instances, 'bc-cap', JSON.stringify({ ...record, settings: { dailyCap: 3 } }));
    const contacts = Array.from({ length: 5 }, (_, i) => phone(55_000 + i));
    expect((await add({ instanceId: 'bc-cap', campaignId: 'camp-cap', contacts, message: 'cap' })).status).toBe(202);
    const held = await waitFor(async () => {
      const s = (await stack.status('camp-cap')).body;
      return s.pauseReason === 'daily_cap' ? s : undefined;
    }, { what: 'daily cap hold' });
    const midnight = new Date();
    midnight.setHours(24, 0, 0, 0);
    expect(held).toMatchObject({ status: 'paused', sent: 3, pending: 2, holdUntil: midnight.toISOString() });
    await sleep(300);
    expect(await stack.sendLog('bc-cap')).toHaveLength(3);
    expect((await stack.call('POST', '/broadcast/camp-cap/cancel')).body.status).toBe('cancelled');
  });

  it('lists failed recipients with reasons, paged', async () => {
    // a template that renders empty for contacts without the variable fails them with a reason
    const contacts = [{ phone: phone(60_000), variables: { v: 'hi' } }, phone(60_001), phone(60_002)];
    expect((await add({ instanceId: 'bc-rate', campaignId: 'camp-failed', contacts, message: '{{v}}' })).status).toBe(202);
    await stack.waitStatus('camp-failed', 'completed');
    const page = await stack.status('camp-failed', '?recipients=failed&limit=1&offset=1');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ sent: 1, failed: 2, successRate: 33.3 });
    expect(page.body.recipients).toMatchObject({ filter: 'failed', total: 2, offset: 1, limit: 1 });
    expect(page.body.recipients.items).toEqual([expect.objectContaining({ to: phone(60_002), code: 'empty_message' })]);
  });
});

describe('bad input', () => {
  const base = { instanceId: 'bc-rate', contacts: [phone(70_000)], message: 'x' };
  it.each([
    { name: 'empty contacts', body: { ...base, contacts: [] }, status: 400 },
    { name: 'no valid contact', body: { ...base, contacts: ['abc', '12'] }, status: 400 },
    { name: 'contacts not an array', body: { ...base, contacts: 'nope' }, status: 400 },
    { name: 'unknown instance', body: { ...base, instanceId: 'nobody' }, status: 404 },
    { name: 'past scheduledFor', body: { ...base, scheduledFor: new Date(Date.now() - 3_600_000).toISOString() }, status: 400 },
    { name: 'unparsable scheduledFor', body: { ...base, scheduledFor: 'tomorrow at noon' }, status: 400 },
    { name: 'negative rateLimitMs', body: { ...base, rateLimitMs: -5 }, status: 400 },
    { name: 'text without message', body: { ...base, message: undefined }, status: 400 },
    { name: 'media without mediaUrl', body: { ...base, mediaType: 'image' }, status: 400 },
    { name: 'mediaUrl on a private address', body: { ...base, mediaType: 'image', mediaUrl: 'http://127.0.0.1:6379/x.jpg' }, status: 400 },
    { name: 'bad campaignId', body: { ...base, campaignId: 'a b/c' }, status: 400 },
  ])('$name -> $status JSON error', async ({ body, status }) => {
    const res = await add(body);
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.error.code).toBe('string');
  });

  it('more contacts than BROADCAST_MAX_CONTACTS -> 400', async () => {
    const res = await add({ ...base, contacts: Array.from({ length: 1501 }, (_, i) => phone(80_000 + i)) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/BROADCAST_MAX_CONTACTS/);
  });

  it('a body over BROADCAST_BODY_LIMIT -> 413; without the API key the body is not read', async () => {
    const huge = { ...base, message: 'x'.repeat(400 * 1024) };
    const res = await add(huge);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const anon = await stack.call('POST', '/queue/add-broadcast', huge, { authorization: '' });
    expect(anon.status).toBe(401);
  });

  it('non-JSON body -> 415; unknown campaign -> 404', async () => {
    expect((await stack.call('POST', '/queue/add-broadcast', 'contacts=1', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await stack.status('no-such-campaign')).status).toBe(404);
    expect((await stack.call('POST', '/broadcast/no-such-campaign/pause')).status).toBe(404);
    expect((await stack.status('bad id!')).status).toBe(400);
  });
});
