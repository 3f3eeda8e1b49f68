import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PM2_BIN = join(ROOT, 'node_modules', '.bin', 'pm2');

export interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number };
}

/**
 * A PM2 of the test's own: its own PM2_HOME (own daemon), so tests never touch an operator's PM2.
 * `env` is passed to the CLI, which the ecosystem reads (ENV_FILE points nowhere, so a developer's
 * .env never leaks into a test).
 */
export class TestPm2 {
  readonly home = mkdtempSync(join(tmpdir(), 'pm2-test-'));

  constructor(private readonly env: Record<string, string>) {}

  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run(PM2_BIN, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? this.home, PM2_HOME: this.home, ENV_FILE: '/nonexistent/.env', ...this.env },
      timeout: 120_000,
    });
    return stdout;
  }

  async list(): Promise<Pm2Process[]> {
    return JSON.parse(await this.cli('jlist')) as Pm2Process[];
  }

  async pidOf(name: string): Promise<number | undefined> {
    return (await this.list()).find((p) => p.name === name)?.pid || undefined;
  }

  /** Stops the test's daemon and removes its home. */
  async destroy(): Promise<void> {
    await this.cli('kill').catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }
}

export async function healthStatus(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}
