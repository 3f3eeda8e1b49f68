/**
 * After a drill: waits until everything accepted has settled, then counts accepted vs sent vs
 * duplicated vs lost, from the sandbox send log (what "reached WhatsApp") and the receiver (what
 * reached the CRM).
 */
const { readFileSync, existsSync } = require('node:fs');
const { sleep } = require('./stack');

const FINISHED = new Set(['completed', 'cancelled', 'failed']);

/** Queues empty (nothing waiting, active or delayed) and every campaign finished, twice in a row. */
async function drain(stack, load, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  while (Date.now() < deadline) {
    let busy = true;
    try {
      const q = (await stack.call('GET', '/queue-status')).body.queues;
      const pending = Object.values(q).reduce((n, c) => n + c.waiting + c.active + c.delayed + c.paused, 0);
      let open = 0;
      for (const id of load.campaigns.keys()) {
        const s = (await stack.call('GET', `/broadcast-status/${id}`)).body;
        if (!FINISHED.has(s && s.status)) open++;
      }
      busy = pending > 0 || open > 0;
    } catch {
      busy = true;
    }
    calm = busy ? 0 : calm + 1;
    if (calm >= 3) return true;
    await sleep(1000);
  }
  return false;
}

function sendLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function account(stack, load) {
  const lines = sendLog(stack.logFile);
  // single messages: by message id
  const sends = new Map();
  // campaign recipients: by campaign and number
  const campaignSends = new Map();
  for (const l of lines) {
    const text = l.text || '';
    if (text.startsWith('drill camp ')) {
      const id = text.slice('drill camp '.length);
      const per = campaignSends.get(id) || new Map();
      per.set(l.to, (per.get(l.to) || 0) + 1);
      campaignSends.set(id, per);
    } else {
      sends.set(l.messageId, (sends.get(l.messageId) || 0) + 1);
    }
  }
  const singles = { accepted: load.accepted.size, sent: 0, duplicated: 0, failed: 0, lost: 0, lostIds: [] };
  for (const id of load.accepted.keys()) {
    const n = sends.get(id) || 0;
    if (n > 0) singles.sent++;
    if (n > 1) singles.duplicated += n - 1;
    if (n === 0) {
      const st = (await stack.call('GET', `/messages/${id}`)).body;
      if (st && st.message && st.message.status === 'failed') singles.failed++;
      else {
        singles.lost++;
        if (singles.lostIds.length < 20) singles.lostIds.push({ id, status: st && st.message ? st.message.status : 'unknown' });
      }
    }
  }
  const campaigns = { campaigns: load.campaigns.size, accepted: 0, sent: 0, duplicated: 0, failed: 0, lost: 0, notFinished: [] };
  for (const [id, queued] of load.campaigns) {
    const s = (await stack.call('GET', `/broadcast-status/${id}`)).body || {};
    const per = campaignSends.get(id) || new Map();
    campaigns.accepted += queued;
    campaigns.sent += per.size;
    for (const n of per.values()) if (n > 1) campaigns.duplicated += n - 1;
    campaigns.failed += s.failed || 0;
    campaigns.lost += Math.max(0, queued - per.size - (s.failed || 0));
    if (!FINISHED.has(s.status)) campaigns.notFinished.push(`${id}:${s.status}`);
  }
  // webhooks: one message.sent per sent single message, one campaign.completed per campaign
  const byEventId = new Map();
  const sentEvents = new Map();
  let completedEvents = 0;
  for (const e of stack.receiver.events) {
    byEventId.set(e.id, (byEventId.get(e.id) || 0) + 1);
    if (e.type === 'message.sent') sentEvents.set(e.data.messageId, (sentEvents.get(e.data.messageId) || 0) + 1);
    if (e.type === 'campaign.completed') completedEvents++;
  }
  let redelivered = 0;
  for (const n of byEventId.values()) if (n > 1) redelivered += n - 1;
  let sentEventsMissing = 0;
  let sentEventsDuplicated = 0;
  for (const id of load.accepted.keys()) {
    if (!sends.has(id)) continue;
    const n = sentEvents.get(id) || 0;
    if (n === 0) sentEventsMissing++;
    if (n > 1) sentEventsDuplicated += n - 1;
  }
  const webhooks = {
    received: stack.receiver.events.length,
    distinctEvents: byEventId.size,
    redelivered,
    messageSentExpected: singles.sent,
    messageSentMissing: sentEventsMissing,
    messageSentDuplicated: sentEventsDuplicated,
    campaignCompleted: completedEvents,
  };
  return { singles, campaigns, webhooks, refusedRequests: load.refused };
}

module.exports = { drain, account };
