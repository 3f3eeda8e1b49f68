import { execFile } from 'node:child_process';
import { createServer, Server, ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/env';

jest.setTimeout(120_000);

/**
 * scripts/setup-logrotate.sh on a machine whose npm registry does not work: the install is bounded,
 * the start is told plainly that logs are not rotated, and a second run tells the truth again
 * instead of "already installed" (pm2 install leaves its module folder behind when cut off).
 */
const ROOT = join(__dirname, '..', '..');
const home = mkdtempSync(join(tmpdir(), 'logrotate-test-'));
const pm2Home = join(home, 'pm2');
let registry: Server;
let registryPort: number;
const hanging: ServerResponse[] = [];

function run(env: Record<string, string>): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts', 'setup-logrotate.sh')], { env: { PATH: process.env.PATH ?? '', HOME: home, PM2_HOME: pm2Home, ENV_FILE: '/nonexistent/.env', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  registryPort = await freePort();
  // answers npm's ping, then never answers a package request (a proxy that swallows them)
  registry = createServer((req, res) => {
    if (req.url?.startsWith('/-/ping')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    hanging.push(res);
  });
  await new Promise<void>((r) => registry.listen(registryPort, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => execFile(join(ROOT, 'node_modules', '.bin', 'pm2'), ['kill'], { env: { PATH: process.env.PATH ?? '', HOME: home, PM2_HOME: pm2Home } }, r));
  for (const res of hanging) res.destroy();
  await new Promise((r) => registry.close(r));
  rmSync(home, { recursive: true, force: true });
});

describe('scripts/setup-logrotate.sh without a working npm registry', () => {
  it('gives up after LOGROTATE_INSTALL_TIMEOUT_S, says logs are not rotated, and says it again next time', async () => {
    const env = { npm_config_registry: `http://127.0.0.1:${registryPort}/`, LOGROTATE_INSTALL_TIMEOUT_S: '4' };
    for (const attempt of [1, 2]) {
      const { code, out, ms } = await run(env);
      expect({ attempt, code, notSetUp: /NOT set up/.test(out), claimsInstalled: /already installed|is running/.test(out) }).toEqual({ attempt, code: 1, notSetUp: true, claimsInstalled: false });
      expect(out).toContain('took longer than 4 s');
      // 4 s of install, PM2's daemon start and the checks around it; never the hang it was
      expect(ms).toBeLessThan(45_000);
      expect(existsSync(join(pm2Home, 'modules', 'pm2-logrotate'))).toBe(false);
    }
  });

  it('fails in seconds when the registry does not answer at all', async () => {
    const closed = await freePort();
    const { code, out, ms } = await run({ npm_config_registry: `http://127.0.0.1:${closed}/` });
    expect(code).toBe(1);
    expect(out).toMatch(/NOT set up: pm2-logrotate could not be installed: .* does not answer/);
    expect(ms).toBeLessThan(30_000);
  });

  it('LOGROTATE=off skips it', async () => {
    const { code, out } = await run({ LOGROTATE: 'off' });
    expect(code).toBe(0);
    expect(out).toContain('LOGROTATE=off: skipped');
  });
});
