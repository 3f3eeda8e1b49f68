import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix, waitFor } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';

/** The dashboard's session: the cookie's flags, who it stands for, and what it may not do. */
const prefix = uniquePrefix('dashboard-api');
let server: StartedServer;
let base: string;

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function call(method: string, path: string, opts: { body?: unknown; cookie?: string; key?: string; noHeader?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (!opts.noHeader) headers['x-dashboard'] = '1';
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual' });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text(), headers: res.headers };
}

/** Logs in and returns the cookie to send back. */
async function login(key: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await call('POST', '/dashboard/api/login', { body: { key } });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0], setCookie };
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer(testConfig(prefix, { SERVER_PORT: port, SANDBOX_LINK_DELAY_MS: 0, DASHBOARD_SESSION_TTL_S: 600 }), silentLogger());
  for (const id of ['team-a', 'team-b']) expect((await call('POST', '/instance/create', { key: TEST_SECRETS.API_KEY, body: { instanceId: id } })).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
  await cleanupPrefix(prefix);
});

describe('dashboard session', () => {
  it('is an HttpOnly, SameSite=Strict cookie for /dashboard that expires with the session', async () => {
    const { setCookie } = await login(TEST_SECRETS.API_KEY);
    expect(setCookie).toMatch(/^wa_dashboard=[A-Za-z0-9_-]{43}; Path=\/dashboard; Max-Age=600; HttpOnly; SameSite=Strict$/);
    expect((await call('POST', '/dashboard/api/login', { body: { key: 'not-the-key-0123456789' } })).status).toBe(401);
  });

  it('opens the dashboard API and nothing else; writes need the x-dashboard header; logout ends it', async () => {
    const { cookie } = await login(TEST_SECRETS.API_KEY);
    expect((await call('GET', '/dashboard/api/me', { cookie })).body.me).toEqual({ name: 'admin', admin: true, instances: '*', readOnly: false });
    expect((await call('GET', '/dashboard/api/instances', { cookie })).body.count).toBe(2);
    expect((await call('GET', '/dashboard/api/instances')).status).toBe(401);
    // the cookie is no API key for the public API
    expect((await call('GET', '/instances', { cookie })).status).toBe(401);
    expect((await call('POST', '/dashboard/api/instance/team-a/restart', { cookie, noHeader: true })).status).toBe(403);
    expect((await call('POST', '/dashboard/api/instance/team-a/restart', { cookie })).status).toBe(200);
    expect((await call('GET', '/dashboard/api/metrics', { cookie })).body).toContain('wa_sessions');
    expect((await call('GET', '/dashboard/api/nothing-here', { cookie })).status).toBe(404);
    expect((await call('POST', '/dashboard/api/logout', { cookie })).status).toBe(200);
    expect((await call('GET', '/dashboard/api/me', { cookie })).status).toBe(401);
  });

  it('a scoped key logs in with its scope, and deleting the key ends its session', async () => {
    const made = await call('POST', '/keys', { key: TEST_SECRETS.API_KEY, body: { name: 'team-a-viewer', instances: ['team-a'], readOnly: true } });
    const { cookie } = await login(made.body.secret);
    expect((await call('GET', '/dashboard/api/me', { cookie })).body.me).toEqual({ name: 'team-a-viewer', admin: false, instances: ['team-a'], readOnly: true });
    const list = await call('GET', '/dashboard/api/instances', { cookie });
    expect(list.body.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['team-a']);
    expect((await call('GET', '/dashboard/api/instance/team-b/status', { cookie })).status).toBe(404);
    expect((await call('POST', '/dashboard/api/instance/team-a/restart', { cookie })).status).toBe(403);
    expect((await call('GET', '/dashboard/api/metrics', { cookie })).status).toBe(403);
    await call('DELETE', '/keys/team-a-viewer', { key: TEST_SECRETS.API_KEY });
    expect((await call('GET', '/dashboard/api/instances', { cookie })).status).toBe(401);
  });

  it('the QR route answers through the session (the <img> of the page sends the cookie, not a header)', async () => {
    await call('POST', '/instance/create', { key: TEST_SECRETS.API_KEY, body: { instanceId: 'team-qr' } });
    const { cookie } = await login(TEST_SECRETS.API_KEY);
    // SANDBOX_LINK_DELAY_MS=0 links at once: no QR, and the answer says why
    await waitFor(async () => (await call('GET', '/dashboard/api/instance/team-qr/qr', { cookie })).body.status === 'connected');
    const png = await call('GET', '/dashboard/api/instance/team-qr/qr?format=png', { cookie });
    expect(png.status).toBe(404);
    expect(png.body.error.message).toContain('connected');
  });

  it('serves the page built by npm run build with a strict CSP; /dashboard redirects to /dashboard/', async () => {
    const redirect = await call('GET', '/dashboard');
    expect({ status: redirect.status, location: redirect.headers.get('location') }).toEqual({ status: 301, location: '/dashboard/' });
    const page = await call('GET', '/dashboard/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/dashboard/app/main.js');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const js = await call('GET', '/dashboard/app/main.js');
    expect(js.body).not.toMatch(/from\s*['"](preact|htm)/);
  });
});
