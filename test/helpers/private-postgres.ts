import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './env';

/**
 * A private PostgreSQL server for one test file, as TestRedis (processes.ts) is a private
 * redis-server: its own data directory in a temp dir, its own port on 127.0.0.1, its unix socket
 * in the temp dir, trust auth for the `postgres` role. Tests stop, crash and start it for real:
 *   stop('fast')  pg_ctl -m fast stop: a clean shutdown (sessions ended, checkpoint written)
 *   kill()        pg_ctl -m immediate stop: a crash (no checkpoint; the next start runs WAL recovery)
 *   restart()     stop('fast') + start()
 *   destroy()     immediate stop and the temp dir removed (also done at process exit)
 * As root (tests run as root here) every command runs as the `postgres` user through runuser:
 * initdb refuses root. The binaries come from PG_BIN, else Debian's /usr/lib/postgresql/<newest>/bin,
 * else PATH; a missing one throws an error naming it (.ci/run installs Debian's postgresql).
 */

const DEBIAN_ROOT = '/usr/lib/postgresql';
const NEEDED = ['initdb', 'pg_ctl', 'postgres'] as const;

function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return dir;
  }
  return undefined;
}

/** The directory holding initdb, pg_ctl and postgres; throws an error naming the binaries not found. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env, debianRoot = DEBIAN_ROOT): string {
  const path = env.PATH ?? '';
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debianRoot, v, 'bin')));
  }
  const full = candidates.find((dir) => NEEDED.every((b) => existsSync(join(dir, b))));
  if (full) return full;
  const pathDir = onPath('initdb', path);
  if (pathDir && NEEDED.every((b) => existsSync(join(pathDir, b)))) return pathDir;
  const missing = NEEDED.filter((b) => !candidates.some((dir) => existsSync(join(dir, b))) && !onPath(b, path));
  const names = missing.length ? missing.join(', ') : NEEDED.join(', ');
  throw new Error(
    `PostgreSQL's ${names} binar${missing.length === 1 ? 'y is' : 'ies are'} missing${missing.length ? '' : ' (not all in one directory)'} ` +
      `(looked in ${env.PG_BIN ? `PG_BIN=${env.PG_BIN}, ` : ''}${debianRoot}/<version>/bin and PATH): a private PostgreSQL server ` +
      "needs initdb, pg_ctl and postgres; install Debian's postgresql (`apt-get install postgresql`, as .ci/run does) or set PG_BIN to their directory",
  );
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** [command, args] to run a binary as the postgres user when root, as ourselves otherwise. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [bin, args];
  if (!onPath('runuser')) throw new Error('runuser is missing (util-linux): as root, a private PostgreSQL server runs as the postgres user through it');
  return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
}

function run(bin: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = asServerUser(bin, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd, timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

const alive = new Set<PrivatePostgres>();
process.once('exit', () => {
  for (const pg of alive) pg.destroySync();
});

export class PrivatePostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  private readonly bin: string;
  private running = false;

  private constructor(readonly port: number) {
    this.bin = postgresBinDir();
    this.dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
    this.dataDir = join(this.dir, 'data');
    this.logFile = join(this.dir, 'server.log');
    if (isRoot()) {
      let uid: number, gid: number;
      try {
        uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
        gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      } catch {
        rmSync(this.dir, { recursive: true, force: true });
        throw new Error('there is no `postgres` user: as root, a private PostgreSQL server runs as it (Debian\'s postgresql package creates it)');
      }
      chownSync(this.dir, uid, gid);
    }
    alive.add(this);
  }

  /** initdb (trust auth, role postgres) and start on a free port. */
  static async start(): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(await freePort());
    try {
      await pg.initdb();
      await pg.start();
    } catch (err) {
      await pg.destroy();
      throw err;
    }
    return pg;
  }

  /** The postgres role over TCP, database postgres. */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The server's log (startup, shutdown, crash recovery). */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  private async initdb(): Promise<void> {
    await run(join(this.bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], this.dir);
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      [
        '',
        '# private test server (test/helpers/private-postgres.ts)',
        `port = ${this.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${this.dir}'`,
        'max_connections = 20',
        'shared_buffers = 16MB',
        'logging_collector = off',
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    try {
      await run(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start'], this.dir, 90_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserver log (${this.logFile}):\n${this.log().slice(-3000)}`);
    }
    this.running = true;
  }

  /** fast: a clean shutdown; immediate: a crash (the next start recovers from WAL). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await run(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], this.dir, 90_000);
    this.running = false;
  }

  /** A crash: pg_ctl -m immediate stop (no checkpoint, no clean exit of the sessions). */
  kill(): Promise<void> {
    return this.stop('immediate');
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops the server (immediate) and removes its temp dir. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    this.destroySync();
  }

  /** At process exit: SIGQUIT (immediate shutdown) to a postmaster still running, then the dir goes. */
  destroySync(): void {
    alive.delete(this);
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // no server running
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
