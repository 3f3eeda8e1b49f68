import { cleanupPrefix, freePort, testEnv, uniquePrefix, waitFor } from '../helpers/env';
import { healthStatus, TestPm2 } from '../helpers/pm2';

jest.setTimeout(120_000);

const prefix = uniquePrefix('pm2');
const names = ['whatsapp-server', 'message-worker', 'webhook-worker', 'broadcast-worker'];
let pm2: TestPm2;
let ports: Record<string, number>;

beforeAll(async () => {
  ports = {
    'whatsapp-server': await freePort(),
    'message-worker': await freePort(),
    'webhook-worker': await freePort(),
    'broadcast-worker': await freePort(),
  };
  pm2 = new TestPm2(
    testEnv(prefix, {
      SERVER_PORT: ports['whatsapp-server'],
      MESSAGE_WORKER_PORT: ports['message-worker'],
      WEBHOOK_WORKER_PORT: ports['webhook-worker'],
      BROADCAST_WORKER_PORT: ports['broadcast-worker'],
    }),
  );
});

afterAll(async () => {
  await pm2?.destroy();
  await cleanupPrefix(prefix);
});

describe('the ecosystem under real PM2', () => {
  it('starts four fork-mode processes that all report healthy', async () => {
    await pm2.cli('start', 'ecosystem.config.js');
    const list = await pm2.list();
    expect(list.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const name of names) {
      const h = await waitFor(async () => {
        const r = await healthStatus(ports[name]);
        return r.status === 200 ? r : undefined;
      }, { timeoutMs: 30_000, what: `${name} healthy` });
      expect(h.body.process).toBe(name);
      expect(h.body.pid).toBe(await pm2.pidOf(name));
    }
    // whatsapp-server gets the V8 flag of ecosystem.config.js (compaction on every full GC), the
    // workers none (PM2 retitles the processes, so /proc/<pid>/cmdline no longer shows them: PM2's
    // own record of what it ran)
    const nodeArgs = async (name: string) => ((await pm2.list()).find((p) => p.name === name)?.pm2_env as { node_args?: string[] } | undefined)?.node_args ?? [];
    expect(await nodeArgs('whatsapp-server')).toEqual(['--compact-on-every-full-gc']);
    expect(await nodeArgs('webhook-worker')).toEqual([]);
  });

  it('restarts a worker killed with SIGKILL, and it answers again', async () => {
    const before = await pm2.pidOf('webhook-worker');
    expect(before).toBeGreaterThan(0);
    process.kill(before!, 'SIGKILL');
    const after = await waitFor(async () => {
      const pid = await pm2.pidOf('webhook-worker');
      return pid && pid !== before ? pid : undefined;
    }, { timeoutMs: 30_000, what: 'a new webhook-worker pid' });
    const h = await waitFor(async () => {
      const r = await healthStatus(ports['webhook-worker']);
      return r.status === 200 && r.body.pid === after ? r : undefined;
    }, { timeoutMs: 30_000, what: 'restarted worker healthy' });
    expect(h.body.process).toBe('webhook-worker');
    const proc = (await pm2.list()).find((p) => p.name === 'webhook-worker')!;
    expect(proc.pm2_env.restart_time).toBeGreaterThanOrEqual(1);
  });

  it('pm2 delete leaves nothing running', async () => {
    const pids = (await pm2.list()).map((p) => p.pid);
    await pm2.cli('delete', 'all');
    expect(await pm2.list()).toEqual([]);
    for (const pid of pids) {
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, { timeoutMs: 30_000, what: `pid ${pid} gone` });
    }
    for (const name of names) expect((await healthStatus(ports[name])).status).toBe(0);
  });
});
