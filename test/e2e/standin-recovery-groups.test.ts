/**
 * Two network truths end to end: the real processes with the real Baileys driver (and a
 * broadcast-worker) against the WhatsApp Web stand-in (test/harness/fake-wa).
 * - A group this number is not in answers its metadata query with 403 forbidden (Baileys rc14
 *   lib/Socket/groups.js groupQuery; harness README "Network behaviours"): that recipient fails
 *   `not_in_group` and the campaign completes, instead of stopping as if the account were refused.
 * - WhatsApp away long enough for the loop guard to stop the instance: it tries again by itself
 *   every WA_FAILED_RETRY_MS and connects once WhatsApp is back, with no restart by hand.
 */
import { sleep, waitFor } from '../helpers/env';
import type { AppProcess } from '../helpers/processes';
import { BaileysStack } from '../harness/baileys-stack';

jest.setTimeout(120_000);

const ID = 'truth-1';
let stack: BaileysStack;
let broadcastWorker: AppProcess | undefined;

beforeAll(async () => {
  stack = new BaileysStack('standin-recovery', {
    WA_RECONNECT_BASE_MS: '100',
    WA_RECONNECT_MAX_MS: '200',
    WA_VERSION_FETCH_TIMEOUT_MS: '0',
    WA_LOOP_MAX_CLOSES: '3',
    WA_FAILED_RETRY_MS: '4000',
  });
  await stack.start({ phone: '5511900000004' });
  broadcastWorker = await stack.startBroadcastWorker();
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack?.output(), broadcastWorker?.output());
  await stack?.stop();
});

const instanceStatus = async () => (await stack.call('GET', `/instance/${ID}/status`)).body;

describe('network truths against the stand-in', () => {
  it('a group this number is not in fails that recipient (not_in_group) and the campaign completes', async () => {
    const group = '120363000000000999@g.us';
    const created = await stack.call('POST', '/queue/add-broadcast', { campaignId: 'grp-c1', instanceId: ID, message: 'aviso', contacts: ['5511977770021', group, '5511977770022'] });
    expect(created.status).toBe(202);
    const done = await waitFor(async () => {
      const s = (await stack.call('GET', '/broadcast-status/grp-c1?recipients=failed')).body;
      return s.status === 'completed' ? s : undefined;
    }, { timeoutMs: 60_000, what: `campaign completed\n${broadcastWorker?.output().slice(-2000)}` });
    expect(done).toMatchObject({ sent: 2, failed: 1 });
    expect(done.recipients.items).toEqual([expect.objectContaining({ to: group, code: 'not_in_group' })]);
    // the two people got it; nothing was relayed to the group
    const sentTo = stack.wa.outgoing.map((o: { to: string }) => o.to);
    expect(sentTo.some((to: string) => to.endsWith('@g.us'))).toBe(false);
    expect((await instanceStatus()).status).toBe('connected');
  });

  it('stopped by the loop guard while WhatsApp is away, it reconnects by itself when WhatsApp is back', async () => {
    const port = stack.wa.port;
    await stack.wa.stop(); // WhatsApp unreachable: every connection attempt is refused
    const failed = await waitFor(async () => {
      const s = await instanceStatus();
      return s.status === 'failed' ? s : undefined;
    }, { timeoutMs: 30_000, what: 'loop guard stopped the instance' });
    expect(failed.instance.lastError).toContain('reconnect_loop');
    await stack.wa.start(port);
    // no manual restart: the slow retry (WA_FAILED_RETRY_MS) finds WhatsApp back
    await waitFor(async () => (await instanceStatus()).status === 'connected', { timeoutMs: 30_000, what: `connected again\n${stack.output().slice(-3000)}` });
    const statuses = stack.delivered('/status', 'connection.update').filter((e) => e.instanceId === ID).map((e) => [e.data.status, e.data.reason]);
    const i = statuses.findIndex(([s, r]) => s === 'failed' && r === 'reconnect_loop');
    expect(i).toBeGreaterThanOrEqual(0);
    await sleep(200);
    expect(stack.delivered('/status', 'connection.update').filter((e) => e.instanceId === ID).slice(i + 1).map((e) => e.data.status)).toContain('connected');
    expect(statuses.slice(i + 1)).toContainEqual(['reconnecting', 'failed_retry']);
  });
});
