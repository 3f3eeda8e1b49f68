import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, freePort, REDIS_URL, TEST_SECRETS, uniquePrefix } from '../helpers/env';
import { TestPm2 } from '../helpers/pm2';

jest.setTimeout(180_000);

/**
 * `npm start` (scripts/start.sh) for real, on a private PM2 and a test .env: variables set in the
 * shell win over .env (LOG_LEVEL=debug npm start used to run with info; LOGROTATE=off was
 * ignored), and the durability of the Redis in use is printed by the start, not only logged.
 */
const ROOT = join(__dirname, '..', '..');
const prefix = uniquePrefix('start-script');
const dir = mkdtempSync(join(tmpdir(), 'start-script-'));
const envFile = join(dir, '.env');
const ports: number[] = [];
let pm2: TestPm2;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) ports.push(await freePort());
  const [s, m, w, b] = ports;
  writeFileSync(
    envFile,
    [
      `REDIS_URL=${REDIS_URL}`,
      `QUEUE_PREFIX=${prefix}`,
      `API_KEY=${TEST_SECRETS.API_KEY}`,
      `INTERNAL_TOKEN=${TEST_SECRETS.INTERNAL_TOKEN}`,
      `WEBHOOK_SECRET=${TEST_SECRETS.WEBHOOK_SECRET}`,
      'HOST=127.0.0.1',
      `SERVER_PORT=${s}`,
      `MESSAGE_WORKER_PORT=${m}`,
      `WEBHOOK_WORKER_PORT=${w}`,
      `BROADCAST_WORKER_PORT=${b}`,
      'WHATSAPP_DRIVER=sandbox',
      'LOG_LEVEL=info',
      'LOGROTATE=on',
      'CRON_HEARTBEAT=off',
      // the message log's PostgreSQL start is scripts/ensure-postgres.sh's own test
      'MESSAGE_LOG=off',
      '',
    ].join('\n'),
  );
  pm2 = new TestPm2({ ENV_FILE: envFile });
});

afterAll(async () => {
  await pm2?.destroy();
  await cleanupPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

test('npm start: shell variables override .env; the Redis durability is printed and in /health', async () => {
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts', 'start.sh')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PM2_HOME: pm2.home, ENV_FILE: envFile, START_PREBUILT: '1', START_TIMEOUT_S: '60', LOG_LEVEL: 'debug', LOGROTATE: 'off' },
        timeout: 150_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  expect({ code, out }).toMatchObject({ code: 0 });
  expect(out).toContain('LOGROTATE=off: skipped');
  const printed = /(WARNING redis durability: .+|redis durability: ok .+)/.exec(out)?.[1];
  expect(printed).toBeDefined();

  const apps = (await pm2.list()) as unknown as Array<{ name: string; pm2_env: Record<string, unknown> }>;
  const server = apps.find((a) => a.name === 'whatsapp-server');
  expect(server?.pm2_env.LOG_LEVEL).toBe('debug');
  expect(server?.pm2_env.LOGROTATE).toBe('off');

  const health = (await (await fetch(`http://127.0.0.1:${ports[0]}/health`)).json()) as { redis: { durability: { durable: boolean; warnings: string[] } } };
  expect(health.redis.durability).toMatchObject({ durable: expect.any(Boolean), warnings: expect.any(Array) });
  // what the start printed is what /health reports
  if (health.redis.durability.warnings.length) expect(printed).toBe(`WARNING redis durability: ${health.redis.durability.warnings[0]}`);
  else expect(printed).toMatch(/^redis durability: ok/);
});
