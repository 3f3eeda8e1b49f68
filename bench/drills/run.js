#!/usr/bin/env node
/**
 * Reliability drills: the real daemon (dist/, under its own PM2, its own redis-server with AOF,
 * the sandbox driver) under steady load while something breaks, then a count of accepted vs sent
 * vs duplicated vs lost. Run `npm run build` first.
 *
 *   node bench/drills/run.js <drill|all> [--rate 20] [--drain-seconds 300] [--down-seconds 600] [--env NAME=value ...] [--json]
 *
 *   kill-workers   kill -9 message-worker, webhook-worker and broadcast-worker, 10 times each
 *   redis-restart  Redis stopped (SHUTDOWN) for 5 s, then started again from its AOF
 *   redis-kill     Redis SIGKILLed (appendfsync everysec: up to 1 s of writes at risk), restarted
 *   receiver-down  the edge functions unreachable for 30 s
 *   receiver-outage  the edge functions away for --down-seconds (default 600) [--down-mode refused|503]
 *   pm2-reload     `pm2 reload` of the whole ecosystem, 3 times
 *   shard-kill     whatsapp-server as 3 shards: kill -9 and SIGTERM of a shard, 3 times each
 *   sentinel-failover  Redis behind 3 sentinels: the master SIGKILLed, the replica promoted
 *
 * Results go to stdout and bench/results/drill-<name>.json. DRILL_KEEP=1 keeps the temp dir.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Stack, waitFor, sleep, ROOT } = require('./lib/stack');
const { Load } = require('./lib/load');
const { drain, account } = require('./lib/account');
const { receiverOutage } = require('./lib/receiver-outage');
const { clusterDrills, clusterModes } = require('./lib/cluster-drills');

const WORKERS = ['message-worker', 'webhook-worker', 'broadcast-worker'];

/** Under load: 10 s, Redis away 5 s (stopped the given way), back from its AOF, 15 s more load. */
async function redisOutage(stack, log, how, message) {
  await sleep(10_000);
  await stack.stopRedis(how);
  log(message);
  await sleep(5000);
  await stack.startRedis();
  log('redis started again');
  await stack.waitHealthy(60_000);
  await sleep(15_000);
}

const DRILLS = {
  async 'kill-workers'(stack, log) {
    const kills = { 'message-worker': 0, 'webhook-worker': 0, 'broadcast-worker': 0 };
    const downMs = [];
    await sleep(5000);
    for (let round = 1; round <= 10; round++) {
      for (const name of WORKERS) {
        const before = (await stack.pids())[name];
        process.kill(before.pid, 'SIGKILL');
        kills[name]++;
        const t0 = Date.now();
        await waitFor(async () => {
          const now = (await stack.pids())[name];
          return now.pid && now.pid !== before.pid && now.status === 'online' && (await stack.healthy(name));
        }, { timeoutMs: 60_000, what: `${name} back after kill ${round}` });
        downMs.push(Date.now() - t0);
        await sleep(1000);
      }
      log(`round ${round}/10 done`);
    }
    return { kills, restartMs: { max: Math.max(...downMs), mean: Math.round(downMs.reduce((a, b) => a + b, 0) / downMs.length) } };
  },

  async 'redis-restart'(stack, log) {
    await redisOutage(stack, log, 'graceful', 'redis stopped (SHUTDOWN)');
    return { redisDownSeconds: 5 };
  },

  async 'redis-kill'(stack, log) {
    await redisOutage(stack, log, 'kill', 'redis killed (SIGKILL)');
    return { redisDownSeconds: 5, appendfsync: 'everysec' };
  },

  async 'receiver-down'(stack, log) {
    await sleep(5000);
    await stack.receiver.stop();
    log('receiver down');
    await sleep(30_000);
    await stack.receiver.start();
    log('receiver up');
    await sleep(10_000);
    return { receiverDownSeconds: 30 };
  },

  'receiver-outage': receiverOutage,
  ...clusterDrills,

  async 'pm2-reload'(stack, log) {
    const times = [];
    await sleep(5000);
    for (let i = 1; i <= 3; i++) {
      const t0 = Date.now();
      await stack.pm2('reload', join(ROOT, 'ecosystem.config.js'));
      times.push(Date.now() - t0);
      log(`reload ${i}/3 took ${times[times.length - 1]} ms`);
      await sleep(8000);
    }
    return { reloads: 3, reloadMs: times };
  },
};

async function runDrill(name, opts) {
  const log = (m) => process.stderr.write(`[${name}] ${m}\n`);
  const stack = new Stack(name, opts.env, clusterModes[name]);
  const started = Date.now();
  try {
    await stack.start();
    for (const id of Load.instances()) await stack.createInstance(id);
    log(`stack up (prefix ${stack.prefix}); load ${opts.rate} msg/s + a campaign every 8 s`);
    const load = new Load(stack, { rate: opts.rate });
    load.start();
    const fault = await DRILLS[name](stack, log, opts);
    await load.stop();
    log(`load stopped: ${load.accepted.size} messages and ${load.campaigns.size} campaigns accepted; draining`);
    const drained = await drain(stack, load, opts.drainSeconds * 1000);
    await sleep(2000); // last webhooks in flight
    const result = { drill: name, env: opts.env, drained, seconds: Math.round((Date.now() - started) / 1000), rate: opts.rate, fault, ...(await account(stack, load)) };
    return result;
  } finally {
    await stack.stop();
  }
}

function summary(r) {
  const s = r.singles;
  const c = r.campaigns;
  const w = r.webhooks;
  return (
    `| ${r.drill} | ${s.accepted} | ${s.sent} | ${s.duplicated} | ${s.lost} | ${c.accepted} | ${c.sent} | ${c.duplicated} | ${c.lost} | ` +
    `${w.messageSentExpected - w.messageSentMissing}/${w.messageSentExpected} | ${w.redelivered} | ${r.drained ? 'yes' : 'NO'} |`
  );
}

(async () => {
  const args = process.argv.slice(2);
  const which = args[0];
  const rateArg = args.indexOf('--rate');
  const drainArg = args.indexOf('--drain-seconds');
  const env = Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === '--env' ? [a.split(/=(.*)/s).slice(0, 2)] : [])));
  const value = (flag, def) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : def);
  const opts = { rate: rateArg >= 0 ? Number(args[rateArg + 1]) : 20, drainSeconds: drainArg >= 0 ? Number(args[drainArg + 1]) : 300, downSeconds: Number(value('--down-seconds', 600)), downMode: value('--down-mode', 'refused'), env };
  // `all` runs the short drills; the long outage is asked for by name
  const names = which === 'all' ? Object.keys(DRILLS).filter((n) => n !== 'receiver-outage') : [which];
  if (!names.every((n) => DRILLS[n])) {
    console.error(`usage: node bench/drills/run.js <${Object.keys(DRILLS).join('|')}|all> [--rate 20] [--drain-seconds 300] [--down-seconds 600] [--down-mode refused|503] [--env NAME=value] [--json]`);
    process.exit(2);
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const results = [];
  for (const name of names) {
    const r = await runDrill(name, opts);
    writeFileSync(join(dir, `drill-${name}.json`), JSON.stringify(r, null, 2));
    results.push(r);
    if (args.includes('--json')) console.log(JSON.stringify(r, null, 2));
  }
  console.log('| drill | messages accepted | sent | duplicated | lost | campaign recipients accepted | sent | duplicated | lost | message.sent webhooks | webhook redeliveries | drained |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) console.log(summary(r));
  const bad = results.some((r) => !r.drained || r.singles.lost || r.singles.duplicated || r.campaigns.lost || r.campaigns.duplicated || r.webhooks.messageSentMissing);
  process.exit(bad ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
