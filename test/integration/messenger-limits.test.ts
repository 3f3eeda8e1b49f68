/**
 * Messenger's page breaker and rates on real Redis through the Graph stand-in: an expired token
 * opens the page's breaker after 5 failures and it closes after the pause; the per-page and
 * global rates hold across two message-worker processes sharing Redis.
 */
import { waitFor, sleep } from '../helpers/env';
import { MessengerStack } from '../helpers/messenger-stack';

describe('page breaker', () => {
  const stack = new MessengerStack({ latencyMs: 2 });
  beforeAll(async () => {
    await stack.start({ MESSENGER_AUTH_FAILURES: 5, MESSENGER_AUTH_PAUSE_MS: 2000, MESSAGE_BACKOFF_MS: 20 });
    expect((await stack.createPage('exp-1', '1000000011', 'EAAG-expiring-token-0123456789')).status).toBe(201);
  });
  afterAll(() => stack.stop());

  it('opens after 5 expired-token answers, holds the page for the pause, closes after it', async () => {
    stack.graph.expireToken('1000000011');
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'exp-1', psid: '3000000000000001', message: 'x' });
    const opened = await waitFor(async () => (await stack.events('instance.circuit')).find((e) => e.data.state === 'open'), { what: 'page breaker open' });
    expect(opened.data).toMatchObject({ failures: 5, threshold: 5, pauseMs: 2000, reason: expect.stringContaining('Messenger 190/463') });
    expect(stack.graph.refused.filter((r) => r.code === 190)).toHaveLength(5);
    const stats = await stack.call('GET', '/stats/circuit-breaker');
    expect(stats.body.items.find((i: { instanceId: string }) => i.instanceId === 'exp-1').page).toMatchObject({ state: 'open', failures: 5 });
    // while open nothing reaches Graph, though the message keeps waiting (not failed)
    await sleep(1000);
    expect(stack.graph.refused.filter((r) => r.code === 190)).toHaveLength(5);
    expect((await stack.message(res.body.messageId)).status).toBe('sending');
    stack.graph.expireToken('1000000011', false); // the operator renewed the token
    const sent = await stack.waitStatus(res.body.messageId, 'sent', 10_000);
    expect(sent.attempts).toBeGreaterThanOrEqual(6);
    await waitFor(async () => (await stack.events('instance.circuit')).find((e) => e.data.state === 'closed'), { what: 'page breaker closed' });
    expect(stack.graph.sends).toHaveLength(1);
  }, 20_000);
});

describe('rates', () => {
  const stack = new MessengerStack({ latencyMs: 2 });
  beforeAll(async () => {
    await stack.start({ MESSENGER_PAGE_RATE: 20, MESSENGER_GLOBAL_RATE: 30, MESSAGE_CONCURRENCY: 20 }, 1);
    for (const [id, page] of [['rate-a', '1000000021'], ['rate-b', '1000000022']]) expect((await stack.createPage(id, page, `EAAG-token-${page}-0123456789`)).status).toBe(201);
  });
  afterAll(() => stack.stop());

  /** the most sends inside any window of `ms` */
  const peak = (times: number[], ms: number) => {
    const t = [...times].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i] - t[j] >= ms) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  };

  it('holds 20/s per page and 30/s for all pages across two workers', async () => {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 80 }, (_, i) => stack.call('POST', '/queue/add-message', { instanceId: i % 2 ? 'rate-a' : 'rate-b', psid: `30000000000${String(i).padStart(5, '0')}`, message: `m${i}` })),
    );
    await waitFor(() => stack.graph.sends.length === 80, { timeoutMs: 15_000, what: '80 sends' });
    const seconds = (Date.now() - started) / 1000;
    const byPage = (p: string) => stack.graph.sends.filter((s) => s.pageId === p).map((s) => s.at);
    expect(peak(byPage('1000000021'), 1000)).toBeLessThanOrEqual(21);
    expect(peak(byPage('1000000022'), 1000)).toBeLessThanOrEqual(21);
    expect(peak(stack.graph.sends.map((s) => s.at), 1000)).toBeLessThanOrEqual(31);
    // and not much slower than the global rate allows (80 at 30/s: about 2.7 s)
    expect(seconds).toBeLessThan(6);
    expect(seconds).toBeGreaterThan(2.3);
    expect(stack.graph.refused).toEqual([]);
  }, 30_000);
});
