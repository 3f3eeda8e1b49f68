/**
 * The `receiver-outage` drill: the edge functions away for a long time (--down-seconds, default
 * 600) under the normal load, then back. While down the receiver refuses connections (or, with
 * --down-mode 503, answers 503). Measures what the endpoint circuit breaker promises: few requests
 * to the dead endpoint, events held in Redis (backlog per endpoint) without using attempts, every
 * event delivered (and verified with standardwebhooks) after, how long until the backlog is empty,
 * and redeliveries (the same event id twice).
 */
const { sleep } = require('./stack');

async function endpoints(stack) {
  const res = await stack.call('GET', '/webhooks/endpoints');
  return (res.body && res.body.items) || [];
}

/** webhook-worker's own counters: POSTs by outcome since it started. */
async function deliveryCounts(stack) {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports.webhook}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const sum = (outcome) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('wa_webhook_deliveries_total{') && l.includes(`outcome="${outcome}"`))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return { delivered: sum('delivered'), failed: sum('failed') };
}

async function receiverOutage(stack, log, opts) {
  const downSeconds = opts.downSeconds;
  await sleep(10_000);
  const before = await deliveryCounts(stack);
  if (opts.downMode === '503') stack.receiver.failWith = 503;
  else await stack.receiver.stop();
  log(`receiver down (${opts.downMode === '503' ? 'answering 503' : 'connection refused'}) for ${downSeconds} s`);
  const samples = [];
  const until = Date.now() + downSeconds * 1000;
  while (Date.now() < until) {
    await sleep(Math.min(15_000, Math.max(until - Date.now(), 0)));
    const eps = await endpoints(stack).catch(() => []);
    const backlog = eps.reduce((n, e) => n + e.backlog, 0);
    samples.push({ atS: Math.round((Date.now() - (until - downSeconds * 1000)) / 1000), backlog, states: eps.map((e) => e.state).join(',') });
    log(`down ${samples[samples.length - 1].atS} s: backlog ${backlog} (${samples[samples.length - 1].states})`);
  }
  const duringOutage = await deliveryCounts(stack);
  if (opts.downMode === '503') stack.receiver.failWith = 0;
  else await stack.receiver.start();
  const upAt = Date.now();
  log('receiver up');
  let recoveredMs;
  let peakAfter = 0;
  while (Date.now() - upAt < 20 * 60_000) {
    const eps = await endpoints(stack).catch(() => []);
    const backlog = eps.reduce((n, e) => n + e.backlog, 0);
    peakAfter = Math.max(peakAfter, backlog);
    if (eps.length && eps.every((e) => e.state === 'active' && e.backlog === 0)) {
      recoveredMs = Date.now() - upAt;
      break;
    }
    await sleep(1000);
  }
  log(`backlog empty ${recoveredMs} ms after the receiver came back`);
  // the load goes on a little after the recovery
  await sleep(10_000);
  const after = await deliveryCounts(stack);
  const dead = await stack.call('GET', '/webhooks/dead?limit=1');
  return {
    receiverDownSeconds: downSeconds,
    downMode: opts.downMode,
    peakBacklog: Math.max(0, ...samples.map((s) => s.backlog)),
    backlogSamples: samples,
    failedPostsDuringOutage: duringOutage.failed - before.failed,
    deliveredPostsDuringOutage: duringOutage.delivered - before.delivered,
    recoveredMsAfterUp: recoveredMs,
    totalPosts: after,
    deadLetters: dead.body && dead.body.total,
    receiverRequestsAnswered503: stack.receiver.refused,
    unverifiedDeliveries: stack.receiver.unverified,
  };
}

module.exports = { receiverOutage };
