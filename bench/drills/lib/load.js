/**
 * Steady traffic during a drill, as the CRM's edge functions would send it: single messages at a
 * fixed rate (each with an idempotency key, retried on 5xx/network errors like a careful caller)
 * and a campaign every few seconds (retried with the same campaignId). Only 2xx answers count as
 * accepted.
 */
const { sleep } = require('./stack');

const SINGLE_INSTANCES = ['inst-1', 'inst-2', 'inst-3'];
const CAMPAIGN_INSTANCES = ['camp-1', 'camp-2'];

class Load {
  constructor(stack, opts = {}) {
    this.stack = stack;
    this.rate = opts.rate ?? 20; // single messages per second
    this.campaignEveryMs = opts.campaignEveryMs ?? 8000;
    this.campaignSize = opts.campaignSize ?? 60;
    this.campaignGapMs = opts.campaignGapMs ?? 150;
    this.accepted = new Map(); // messageId -> n
    this.campaigns = new Map(); // campaignId -> queued
    this.refused = 0; // non-2xx answers and network errors (each retried)
    this.stopped = false;
    this.inFlight = new Set();
  }

  static instances() {
    return [...SINGLE_INSTANCES, ...CAMPAIGN_INSTANCES];
  }

  start() {
    this.loops = [this.singles(), this.campaignLoop()];
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all([...this.inFlight]);
  }

  track(promise) {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise));
  }

  async singles() {
    let n = 0;
    const started = Date.now();
    while (!this.stopped) {
      const due = started + (n * 1000) / this.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (this.stopped) break;
      const k = n++;
      if (this.inFlight.size < 200) this.track(this.sendOne(k));
    }
  }

  /** Keeps asking until the daemon accepts (2xx): the idempotency key makes repeats safe. */
  async sendOne(k) {
    const body = {
      instanceId: SINGLE_INSTANCES[k % SINGLE_INSTANCES.length],
      phone: `5511${String(90000000 + k).padStart(9, '0')}`,
      message: `drill msg ${k}`,
      idempotencyKey: `drill-${k}`,
    };
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        const res = await this.stack.call('POST', '/queue/add-message', body);
        if (res.status === 202) {
          this.accepted.set(res.body.messageId, k);
          return;
        }
        this.refused++;
      } catch {
        this.refused++;
      }
      await sleep(250);
    }
  }

  async campaignLoop() {
    let k = 0;
    while (!this.stopped) {
      this.track(this.createCampaign(k++));
      const until = Date.now() + this.campaignEveryMs;
      while (!this.stopped && Date.now() < until) await sleep(100);
    }
  }

  async createCampaign(k) {
    const campaignId = `drill-c-${k}`;
    const contacts = Array.from({ length: this.campaignSize }, (_, i) => `5521${String(k * 1000 + i).padStart(9, '0')}`);
    const body = { instanceId: CAMPAIGN_INSTANCES[k % CAMPAIGN_INSTANCES.length], campaignId, contacts, message: `drill camp ${campaignId}`, rateLimitMs: this.campaignGapMs };
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        const res = await this.stack.call('POST', '/queue/add-broadcast', body);
        if (res.status === 202 || res.status === 200) {
          this.campaigns.set(campaignId, res.body.queued);
          return;
        }
        this.refused++;
      } catch {
        this.refused++;
      }
      await sleep(250);
    }
  }
}

module.exports = { Load };
