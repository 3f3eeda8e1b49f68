import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupPrefix, freePort, testEnv, uniquePrefix, waitFor } from '../helpers/env';
import { healthStatus } from '../helpers/pm2';
import { AppProcess, spawnApp } from '../helpers/processes';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..');
const prefix = uniquePrefix('health-script');
const NAMES = ['whatsapp-server', 'message-worker', 'webhook-worker', 'broadcast-worker'] as const;
const VARS = ['SERVER_PORT', 'MESSAGE_WORKER_PORT', 'WEBHOOK_WORKER_PORT', 'BROADCAST_WORKER_PORT'] as const;
const running = new Map<string, AppProcess>();
const ports: Record<string, number> = {};
const dir = mkdtempSync(join(tmpdir(), 'health-script-'));

/** Runs scripts/health-check.sh with only the given variables (no developer .env). */
function healthCheck(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts', 'health-check.sh')], { env: { PATH: process.env.PATH ?? '', ENV_FILE: '/nonexistent/.env', ...env }, timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

const portEnv = () => Object.fromEntries(VARS.map((v, i) => [v, String(ports[NAMES[i]])]));

beforeAll(async () => {
  for (const name of NAMES) ports[name] = await freePort();
  const env = testEnv(prefix, portEnv());
  for (const name of NAMES) running.set(name, spawnApp(name, env));
  for (const name of NAMES) {
    await waitFor(async () => (await healthStatus(ports[name])).status === 200, { timeoutMs: 30_000, what: `${name} healthy` });
  }
});

afterAll(async () => {
  await Promise.all([...running.values()].map((p) => p.stop('SIGTERM')));
  await cleanupPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/health-check.sh', () => {
  it('exits 0 with one OK line per process when all four are up', async () => {
    const { code, stdout } = await healthCheck(portEnv());
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    NAMES.forEach((name, i) => expect(lines[i]).toMatch(new RegExp(`^OK +${name} +127\\.0\\.0\\.1:${ports[name]} +pid=\\d+`)));
  });

  it('reads the ports from the .env file named by ENV_FILE when they are not in the environment', async () => {
    const file = join(dir, '.env');
    writeFileSync(file, Object.entries(portEnv()).map(([k, v]) => `${k}=${v}  # from the file`).join('\n') + '\n');
    const { code, stdout } = await healthCheck({ ENV_FILE: file });
    expect(code).toBe(0);
    expect(stdout).toContain(`127.0.0.1:${ports['webhook-worker']}`);
  });

  it('exits non-zero and names the process that is down', async () => {
    await running.get('message-worker')!.stop('SIGKILL');
    const { code, stdout } = await healthCheck(portEnv());
    expect(code).not.toBe(0);
    expect(stdout).toMatch(new RegExp(`^DOWN +message-worker +127\\.0\\.0\\.1:${ports['message-worker']}`, 'm'));
    for (const name of ['whatsapp-server', 'webhook-worker', 'broadcast-worker']) expect(stdout).toMatch(new RegExp(`^OK +${name} `, 'm'));
    expect(stdout).toContain('1 of 4 processes unhealthy');
  });
});
