/**
 * A private Redis Sentinel set for drills and tests: a master (AOF on, noeviction), one replica
 * (asynchronous, as Redis replication is) and three sentinels (quorum 2, down-after 2 s), each on
 * its own free port in one directory. killMaster() is the fault: SIGKILL of whichever server is the
 * master now; the sentinels promote the replica. Uses Debian's redis-server and redis-sentinel
 * (scripts/lib/apt-install.sh redis-sentinel redis-sentinel installs the latter).
 */
const { spawn, execFile } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { promisify } = require('node:util');
const { freePort, sleep } = require('../../lib/common');

const run = promisify(execFile);

async function cli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

class SentinelSet {
  constructor(dir, { name = 'mymaster', downAfterMs = 2000 } = {}) {
    this.dir = dir;
    this.name = name;
    this.downAfterMs = downAfterMs;
    this.servers = new Map(); // port -> child
    this.sentinels = [];
  }

  async start() {
    this.ports = { a: await freePort(), b: await freePort(), sentinels: [await freePort(), await freePort(), await freePort()] };
    this.startServer(this.ports.a);
    await until(() => cli(this.ports.a, 'PING').then((o) => o === 'PONG'), 10_000, 'master up');
    this.startServer(this.ports.b, this.ports.a);
    await until(async () => (await cli(this.ports.b, 'INFO', 'replication')).includes('master_link_status:up'), 20_000, 'replica in sync');
    for (const [i, port] of this.ports.sentinels.entries()) {
      const conf = join(this.dir, `sentinel-${i}.conf`);
      writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${this.dir}`, `sentinel monitor ${this.name} 127.0.0.1 ${this.ports.a} 2`, `sentinel down-after-milliseconds ${this.name} ${this.downAfterMs}`, `sentinel failover-timeout ${this.name} 10000`, `sentinel parallel-syncs ${this.name} 1`, ''].join('\n'));
      this.sentinels.push(spawn('redis-sentinel', [conf], { stdio: 'ignore' }));
    }
    for (const port of this.ports.sentinels) await until(async () => (await cli(port, 'SENTINEL', 'replicas', this.name)).includes(String(this.ports.b)), 20_000, 'sentinels know the replica');
    return this;
  }

  startServer(port, replicaOf) {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', join(this.dir), '--dbfilename', `dump-${port}.rdb`, '--appendonly', 'yes', '--appendfilename', `aof-${port}.aof`, '--appenddirname', `aof-${port}`, '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'];
    if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    this.servers.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }

  /** host:port,... for REDIS_SENTINELS */
  get list() {
    return this.ports.sentinels.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** the master's port, as the sentinels name it now */
  async masterPort() {
    const out = await cli(this.ports.sentinels[0], 'SENTINEL', 'get-master-addr-by-name', this.name);
    return Number(out.split('\n')[1]);
  }

  /**
   * SIGKILL of the current master (its writes not yet sent to the replica are lost: replication is
   * asynchronous); resolves once the sentinels name the replica as the new master, with the time.
   */
  async killMaster() {
    const old = await this.masterPort();
    const replica = old === this.ports.a ? this.ports.b : this.ports.a;
    const offsets = { master: await cli(old, 'INFO', 'replication').catch(() => ''), replica: await cli(replica, 'INFO', 'replication').catch(() => '') };
    const t0 = Date.now();
    this.servers.get(old).kill('SIGKILL');
    await until(async () => (await this.masterPort()) === replica, 60_000, 'the replica promoted');
    const promotedMs = Date.now() - t0;
    return { old, master: replica, promotedMs, lagBytes: lag(offsets) };
  }

  /** brings the killed server back: the sentinels turn it into a replica of the new master */
  async restartOld(port) {
    this.startServer(port);
    await until(async () => (await cli(port, 'INFO', 'replication')).includes('role:slave'), 30_000, 'old master back as a replica');
  }

  async stop() {
    for (const s of this.sentinels) s.kill('SIGKILL');
    for (const c of this.servers.values()) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

/** how far the replica was behind the master just before the kill (bytes of replication stream) */
function lag({ master, replica }) {
  const m = /master_repl_offset:(\d+)/.exec(master);
  const r = /slave_repl_offset:(\d+)/.exec(replica) || /master_repl_offset:(\d+)/.exec(replica);
  return m && r ? Math.max(0, Number(m[1]) - Number(r[1])) : undefined;
}

module.exports = { SentinelSet };
