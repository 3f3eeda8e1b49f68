import IORedis from 'ioredis';
import { cleanupPrefix, freePort, REDIS_URL, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';
import { redisKeys } from '../../src/shared/keys';
import { DeadLetterStore } from '../../src/webhooks/dead-letters';
import { RateLimiter } from '../../src/http/access/rate-limit';

const prefix = uniquePrefix('apikeys');
let server: StartedServer;
let port: number;
let redis: IORedis;

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function call(method: string, path: string, body?: unknown, key: string | null = TEST_SECRETS.API_KEY, header: 'bearer' | 'apikey' = 'bearer'): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key) headers[header === 'bearer' ? 'authorization' : 'apikey'] = header === 'bearer' ? `Bearer ${key}` : key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text(), headers: res.headers };
}

async function newKey(input: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/keys', input);
  expect(res.status).toBe(201);
  return res.body.secret as string;
}

beforeAll(async () => {
  port = await freePort();
  server = await startServer(testConfig(prefix, { SERVER_PORT: port, SANDBOX_LINK_DELAY_MS: 0 }), silentLogger());
  redis = new IORedis(REDIS_URL);
  for (const id of ['shop-a', 'shop-b']) expect((await call('POST', '/instance/create', { instanceId: id })).status).toBe(201);
  await waitFor(async () => (await call('GET', '/instance/shop-b/status')).body.status === 'connected', { what: 'shop-b connected' });
});

afterAll(async () => {
  await server?.close();
  redis?.disconnect();
  await cleanupPrefix(prefix);
});

describe('scoped API keys', () => {
  it('are created, listed without secrets, stored hashed, and deleted by the admin key', async () => {
    const created = await call('POST', '/keys', { name: 'crm-a', instances: ['shop-a'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, key: { name: 'crm-a', instances: ['shop-a'], readOnly: false }, secret: expect.stringMatching(/^wak\.crm-a\./) });
    const secret = created.body.secret as string;
    const stored = (await redis.hget(redisKeys(prefix).apiKeys, 'crm-a')) ?? '';
    expect(stored).not.toContain(secret.split('.')[2]);
    expect(JSON.parse(stored).hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('POST', '/keys', { name: 'crm-a', instances: '*' })).status).toBe(409);
    const list = await call('GET', '/keys');
    expect(list.body.keys).toEqual([expect.objectContaining({ name: 'crm-a' })]);
    expect(JSON.stringify(list.body)).not.toMatch(/secret|hash/);
    expect((await call('GET', '/instance/shop-a/status', undefined, secret, 'apikey')).status).toBe(200);
    expect((await call('DELETE', '/keys/crm-a')).body).toEqual({ success: true, name: 'crm-a', deleted: true });
    expect((await call('GET', '/instance/shop-a/status', undefined, secret)).status).toBe(401);
    expect((await call('DELETE', '/keys/crm-a')).status).toBe(404);
  });

  it('refuses a wrong secret of a real key name, and bad bodies', async () => {
    const secret = await newKey({ name: 'wrong-test', instances: '*' });
    const forged = `${secret.slice(0, -4)}AAAA`;
    expect((await call('GET', '/instances', undefined, forged)).status).toBe(401);
    expect((await call('POST', '/keys', { name: 'bad name', instances: '*' })).status).toBe(400);
    expect((await call('POST', '/keys', { name: 'x', instances: [] })).status).toBe(400);
  });

  it('a key limited to instances sees only them (404 for the others), and may not use admin routes', async () => {
    const key = await newKey({ name: 'only-a', instances: ['shop-a'] });
    const list = await call('GET', '/instances', undefined, key);
    expect(list.body.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['shop-a']);
    for (const path of ['/instance/shop-b/status', '/instance/shop-b/qr', '/instance/shop-b/qr?format=png']) {
      const res = await call('GET', path, undefined, key);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 404, code: 'instance_not_found' });
    }
    expect((await call('POST', '/instance/shop-b/restart', undefined, key)).status).toBe(404);
    expect((await call('POST', '/instance/delete', { instanceId: 'shop-b' }, key)).status).toBe(404);
    expect((await call('POST', '/instance/create', { instanceId: 'shop-c' }, key)).status).toBe(403);
    // add-message: the fast path (plain JSON) checks the scope too
    const send = (instanceId: string) => call('POST', '/queue/add-message', { instanceId, phone: '5511999990001', message: 'hi' }, key);
    expect((await send('shop-b')).status).toBe(404);
    const sent = await send('shop-a');
    expect(sent.status).toBe(202);
    expect((await call('GET', `/messages/${sent.body.messageId}`, undefined, key)).status).toBe(200);
    const other = await call('POST', '/queue/add-message', { instanceId: 'shop-b', phone: '5511999990002', message: 'hi' });
    expect((await call('GET', `/messages/${other.body.messageId}`, undefined, key)).status).toBe(404);
    const campaign = { instanceId: 'shop-b', campaignId: 'camp-b', contacts: ['5511999990003'], message: 'hi' };
    expect((await call('POST', '/queue/add-broadcast', campaign, key)).status).toBe(404);
    expect((await call('POST', '/queue/add-broadcast', campaign)).status).toBe(202);
    expect((await call('GET', '/broadcast-status/camp-b', undefined, key)).status).toBe(404);
    expect((await call('GET', '/broadcasts')).body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toContain('camp-b');
    expect((await call('GET', '/broadcasts', undefined, key)).body).toMatchObject({ total: 0, campaigns: [] });
    expect((await call('POST', '/broadcast/camp-b/pause', undefined, key)).status).toBe(404);
    for (const [method, path] of [['GET', '/keys'], ['POST', '/keys'], ['GET', '/metrics'], ['GET', '/stats']]) {
      const res = await call(method, path, method === 'POST' ? { name: 'x', instances: '*' } : undefined, key);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    expect((await call('GET', '/admin/queues/api/queues', undefined, key)).status).toBe(401);
  });

  it('a limited key sees and replays only its instances\' dead letters', async () => {
    const store = new DeadLetterStore(redis, prefix, 100);
    const entry = (id: string, instanceId: string) => ({ id, event: { id, type: 'qr.updated', instanceId, timestamp: new Date().toISOString(), data: {} } as never, lastError: 'HTTP 500', attempts: 3, deadAt: new Date().toISOString() });
    await store.add(entry('dead-a', 'shop-a'));
    await store.add(entry('dead-b', 'shop-b'));
    const key = await newKey({ name: 'dead-a-only', instances: ['shop-a'] });
    const dead = await call('GET', '/webhooks/dead', undefined, key);
    expect(dead.body).toMatchObject({ total: 1, items: [expect.objectContaining({ id: 'dead-a' })] });
    expect((await call('GET', '/webhooks/dead')).body.total).toBe(2);
    const replay = await call('POST', '/webhooks/replay', { ids: ['dead-a', 'dead-b'] }, key);
    expect(replay.body).toMatchObject({ replayed: ['dead-a'], notFound: ['dead-b'] });
    expect((await call('GET', '/webhooks/dead')).body.items.map((d: { id: string }) => d.id)).toEqual(['dead-b']);
  });

  it('a read-only key reads everything in its scope and writes nothing (403)', async () => {
    const key = await newKey({ name: 'viewer', instances: '*', readOnly: true });
    expect((await call('GET', '/instances', undefined, key)).body.count).toBeGreaterThanOrEqual(2);
    expect((await call('GET', '/instance/shop-b/status', undefined, key)).status).toBe(200);
    expect((await call('GET', '/queue-status', undefined, key)).status).toBe(200);
    // a lookup sent as POST is a read
    expect((await call('POST', '/instance/shop-a/check-numbers', { phones: ['5511999990001'] }, key)).status).toBe(200);
    for (const [path, body] of [
      ['/instance/shop-a/restart', undefined],
      ['/instance/create', { instanceId: 'shop-z' }],
      ['/queue/add-message', { instanceId: 'shop-a', phone: '5511999990001', message: 'hi' }],
      ['/webhooks/replay', {}],
    ] as Array<[string, unknown]>) {
      const res = await call('POST', path, body, key);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 403, code: 'forbidden' });
    }
  });
});

describe('rate limit per API key', () => {
  it('counts each key in Redis and answers 429 with Retry-After and RateLimit-* headers', async () => {
    const key = await newKey({ name: 'slow', instances: '*', rateLimitPerMin: 3 });
    // windows are whole minutes: start well inside one so the four calls share it
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('GET', '/instances', undefined, key);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await call('GET', '/instances', undefined, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    // the admin key has its own count (API_RATE_LIMIT_PER_MIN, default 1000), fast path included
    const admin = await call('POST', '/queue/add-message', { instanceId: 'shop-a', phone: '5511999990001', message: 'hi' });
    expect(admin.status).toBe(202);
    expect(admin.headers.get('ratelimit-limit')).toBe('1000');
  });

  it('leaves /health, /openapi.json and /internal uncounted', async () => {
    for (const path of ['/health', '/openapi.json']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect({ path, status: res.status, limit: res.headers.get('ratelimit-limit') }).toEqual({ path, status: 200, limit: null });
    }
    const internal = await fetch(`http://127.0.0.1:${port}/internal/send`, { method: 'POST', headers: { authorization: `Bearer ${TEST_SECRETS.INTERNAL_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(internal.headers.get('ratelimit-limit')).toBeNull();
  });

  it('is one count for every process that shares the Redis', async () => {
    const a = new IORedis(REDIS_URL);
    const b = new IORedis(REDIS_URL);
    await Promise.all([a.ping(), b.ping()]);
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 1000;
    const one = new RateLimiter(a, prefix);
    const two = new RateLimiter(b, prefix);
    const decisions = [await one.hit('shared', 2, now), await two.hit('shared', 2, now), await one.hit('shared', 2, now)];
    expect(decisions.map((d) => d?.allowed)).toEqual([true, true, false]);
    expect(decisions.map((d) => d?.remaining)).toEqual([1, 0, 0]);
    a.disconnect();
    b.disconnect();
  });
});
