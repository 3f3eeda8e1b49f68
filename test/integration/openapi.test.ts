import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupPrefix, freePort, testConfig, TEST_SECRETS, uniquePrefix } from '../helpers/env';
import { startServer, StartedServer } from '../../src/apps/whatsapp-server/wiring';
import { silentLogger } from '../../src/shared/logger';

const ROOT = join(__dirname, '..', '..');
const doc = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};
const prefix = uniquePrefix('openapi');
let server: StartedServer;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = await startServer(testConfig(prefix, { SERVER_PORT: port, CRON_CLEAN: 'off', CRON_EXPIRE: 'off', CRON_TRIM_DEAD_LETTERS: 'off', CRON_HEARTBEAT: 'off' }), silentLogger());
});

afterAll(async () => {
  await server?.close();
  await cleanupPrefix(prefix);
});

/** Every `### \`METHOD /path\`` heading of docs/api.md (the internal API is not public). */
function documentedRoutes(): Array<[string, string]> {
  const md = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const out: Array<[string, string]> = [];
  for (const m of md.matchAll(/^### `(GET|POST|PUT|DELETE|PATCH) ([^`?]+)[^`]*`(.*)$/gm)) {
    const path = m[2].replace(/:([A-Za-z]+)/g, '{$1}');
    out.push([m[1].toLowerCase(), path]);
    // "### `POST /broadcast/:campaignId/pause` · `/resume` · `/cancel`"
    for (const extra of m[3].matchAll(/`\/([a-z-]+)`/g)) out.push([m[1].toLowerCase(), path.replace(/[^/]+$/, extra[1])]);
  }
  return out.filter(([, p]) => !p.startsWith('/internal/'));
}

describe('openapi.json', () => {
  it('is an OpenAPI 3 document whose $refs all resolve', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = m[1].split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect({ ref: m[1], found: target !== undefined }).toEqual({ ref: m[1], found: true });
    }
    for (const [path, ops] of Object.entries(doc.paths)) for (const [method, o] of Object.entries(ops)) expect({ path, method, responses: Object.keys(o.responses).length > 0 }).toMatchObject({ responses: true });
  });

  it('describes every route of docs/api.md', () => {
    const routes = documentedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    for (const [method, path] of routes) expect({ method, path, described: Boolean(doc.paths[path]?.[method]) }).toEqual({ method, path, described: true });
  });

  it('describes only routes whatsapp-server really has', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const url = path.replace(/\{[^}]+\}/g, 'x1234567890');
      for (const method of Object.keys(ops)) {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${TEST_SECRETS.API_KEY}`, ...(method === 'post' ? { 'content-type': 'application/json' } : {}) },
          body: method === 'post' ? '{}' : undefined,
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        // the catch-all answer for a path nobody serves
        expect({ method, path, unrouted: text.includes('no route for') }).toEqual({ method, path, unrouted: false });
      }
    }
  });

  it('is served at GET /openapi.json without credentials', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual(doc);
  });
});
