import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from '../helpers/postgres';

/**
 * scripts/ensure-postgres.sh, as `npm start` and .ci/run call it: bounded, clear, and it writes a
 * working DATABASE_URL into .env when none is set (on this machine's PostgreSQL).
 */
const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ensure-pg-'));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts', 'ensure-postgres.sh'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout: stdout.trim(), ms: Date.now() - started }),
    );
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('test mode prints a URL the tests can use', async () => {
  const r = await run(['test'], {});
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^postgresql:\/\/\S+\/test$/);
  expect(await sql('SELECT 1 AS one', [], r.stdout)).toEqual([{ one: 1 }]);
}, 120_000);

test('MESSAGE_LOG=off needs nothing; an unreachable DATABASE_URL warns without hanging', async () => {
  expect((await run(['start'], { MESSAGE_LOG: 'off' })).out).toContain('MESSAGE_LOG=off');
  const r = await run(['start'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
  expect(r.code).toBe(0);
  expect(r.out).toContain('WARNING: DATABASE_URL does not answer');
  expect(r.ms).toBeLessThan(15_000);
});

test('without DATABASE_URL it makes the wa_queue database and writes its URL into .env', async () => {
  const envFile = join(dir, '.env');
  writeFileSync(envFile, 'API_KEY=x\nDATABASE_URL=\n');
  // a name of its own: a deployment's wa_queue role (and its password) on this machine is left alone
  const r = await run(['start'], { ENV_FILE: envFile, PG_DATABASE_NAME: 'wa_queue_e2e' });
  expect({ code: r.code, out: r.out }).toMatchObject({ code: 0 });
  const lines = readFileSync(envFile, 'utf8').split('\n').filter((l) => l.startsWith('DATABASE_URL='));
  expect(lines).toHaveLength(1);
  const url = lines[0].slice('DATABASE_URL='.length);
  expect(url).toMatch(/^postgresql:\/\/wa_queue_e2e:[0-9a-f]+@127\.0\.0\.1:5432\/wa_queue_e2e$/);
  expect(await sql('SELECT current_user AS u', [], url)).toEqual([{ u: 'wa_queue_e2e' }]);
  // the owner drops its database from another one; dropping the role needs a superuser (trusted TCP here, maybe not in CI)
  await sql('DROP DATABASE wa_queue_e2e', [], url.replace(/\/wa_queue_e2e$/, '/postgres'));
  await sql('DROP ROLE wa_queue_e2e').catch(() => undefined);
}, 120_000);
