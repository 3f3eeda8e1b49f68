/**
 * The Messenger channel end to end: whatsapp-server, message-worker and broadcast-worker on real
 * Redis, sending to the Graph stand-in (test/harness/graph), whose webhook side posts signed
 * deliveries and reads back to /messenger/webhook.
 */
import { waitFor } from '../helpers/env';
import { APP_SECRET, MessengerStack, VERIFY_TOKEN } from '../helpers/messenger-stack';

const TOKEN = 'EAAG-page-token-0123456789-secret-abcdef';
const stack = new MessengerStack({ latencyMs: 5, receipts: { deliveredAfterMs: 60, readAfterMs: 150 } });

beforeAll(async () => {
  await stack.start();
  const created = await stack.createPage('page-1', '1000000001', TOKEN);
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await stack.stop();
});

const add = (body: Record<string, unknown>) => stack.call('POST', '/queue/add-message', { instanceId: 'page-1', ...body });

describe('Messenger instances', () => {
  it('registers a page as an instance and never returns its id or token', async () => {
    const status = await stack.call('GET', '/instance/page-1/status');
    expect(status.body).toMatchObject({ status: 'connected', instance: { channel: 'messenger' } });
    const all = JSON.stringify([status.body, (await stack.call('GET', '/instances')).body]);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('1000000001');
    expect((await stack.call('POST', '/instance/create', { instanceId: 'page-2', channel: 'messenger', pageId: '1000000001', pageAccessToken: 'another-token-0123456789abc' })).status).toBe(409);
    expect((await stack.call('POST', '/instance/page-1/restart', {})).status).toBe(400);
  });
});

describe('single messages through the Send API', () => {
  it('sends text with quick replies, then delivered and read come back through the webhook', async () => {
    const res = await add({ psid: '2000000000000001', message: 'Oi!', quickReplies: [{ title: 'Sim', payload: 'YES' }] });
    expect(res.status).toBe(202);
    const read = await stack.waitStatus(res.body.messageId, 'read');
    expect(read).toMatchObject({ instanceId: 'page-1', to: '2000000000000001', type: 'text', attempts: 1 });
    expect(read.deliveredAt).toEqual(expect.any(String));
    const sent = stack.graph.sends.find((s) => s.psid === '2000000000000001')!;
    expect(sent.body).toEqual({ recipient: { id: '2000000000000001' }, messaging_type: 'RESPONSE', message: { text: 'Oi!', quick_replies: [{ content_type: 'text', title: 'Sim', payload: 'YES' }] } });
    const statuses = (await stack.events('message.status')).filter((e) => e.data.messageId === res.body.messageId).map((e) => e.data.status);
    expect(statuses.sort()).toEqual(['delivered', 'read']);
  });

  it('sends image, video, audio and file by URL, and tags as Messenger requires', async () => {
    const kinds = ['image', 'video', 'audio', 'file'];
    const ids = [];
    for (const [i, k] of kinds.entries()) ids.push((await add({ psid: `200000000000010${i}`, mediaType: k, mediaUrl: `https://203.0.113.9/x.${k}`, messagingType: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' })).body.messageId);
    for (const id of ids) await stack.waitStatus(id, 'read');
    const bodies = kinds.map((_, i) => stack.graph.sends.find((s) => s.psid === `200000000000010${i}`)!.body);
    expect(bodies.map((b) => (b.message as { attachment: { type: string } }).attachment.type)).toEqual(['image', 'video', 'audio', 'file']);
    expect(bodies.every((b) => b.messaging_type === 'MESSAGE_TAG' && b.tag === 'ACCOUNT_UPDATE')).toBe(true);
    expect((await add({ psid: '2000000000000200', message: 'x', messagingType: 'MESSAGE_TAG' })).status).toBe(400);
    expect((await add({ phone: '+55 11 9999', message: 'x' })).status).toBe(400);
  });

  it('fails an unreachable recipient at once, and backs off (without failing) while throttled', async () => {
    stack.graph.markUnreachable('2000000000000300');
    const gone = await add({ psid: '2000000000000300', message: 'x' });
    const failed = await stack.waitStatus(gone.body.messageId, 'failed');
    expect(failed.error).toMatchObject({ code: 'invalid_recipient' });
    expect(failed.attempts).toBe(1);
    stack.graph.throttle('1000000001', 2);
    const later = await add({ psid: '2000000000000301', message: 'x' });
    await stack.waitStatus(later.body.messageId, 'read', 20_000);
    expect(stack.graph.refused.filter((r) => r.code === 613)).toHaveLength(2);
  }, 30_000);
});

describe('campaigns', () => {
  it('runs a campaign of PSIDs with a tag', async () => {
    const contacts = ['2000000000000401', '2000000000000402', '12', { phone: '2000000000000403', name: 'Ana' }];
    const res = await stack.call('POST', '/queue/add-broadcast', { instanceId: 'page-1', campaignId: 'msgr-camp', contacts, message: 'Oi {{name}}', messagingType: 'MESSAGE_TAG', tag: 'CONFIRMED_EVENT_UPDATE' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ queued: 3, invalid: { count: 1 } });
    const done = await waitFor(async () => {
      const s = await stack.call('GET', '/broadcast-status/msgr-camp');
      return s.body.status === 'completed' && s.body.read === 3 ? s.body : undefined;
    }, { timeoutMs: 20_000, what: 'campaign completed and read' });
    expect(done).toMatchObject({ sent: 3, failed: 0, delivered: 3 });
    const sends = stack.graph.sends.filter((s) => s.psid.startsWith('20000000000004'));
    expect(sends.map((s) => s.body.tag)).toEqual(['CONFIRMED_EVENT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'CONFIRMED_EVENT_UPDATE']);
    expect(sends.find((s) => s.psid === '2000000000000403')!.body.message).toEqual({ text: 'Oi Ana' });
  }, 30_000);
});

describe("Facebook's webhook", () => {
  const url = () => `http://127.0.0.1:${stack.config.SERVER_PORT}/messenger/webhook`;
  const incoming = (mid: string) => ({ object: 'page', entry: [{ id: '1000000001', time: Date.now(), messaging: [{ sender: { id: '2000000000000500' }, recipient: { id: '1000000001' }, timestamp: Date.now(), message: { mid, text: 'olá' } }] }] });

  it('answers the subscription challenge only with the verify token', async () => {
    const ok = await fetch(`${url()}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=12345`);
    expect([ok.status, await ok.text()]).toEqual([200, '12345']);
    expect((await fetch(`${url()}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
  });

  it('refuses a wrong X-Hub-Signature-256 and turns a signed message into message.received', async () => {
    const bad = await stack.graph.postWebhook(incoming('m_bad'), 'sha256=' + '0'.repeat(64));
    expect(bad.status).toBe(403);
    const unsigned = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(incoming('m_bad2')) });
    expect(unsigned.status).toBe(403);
    const good = await stack.graph.postWebhook(incoming('m_good'));
    expect(good.status).toBe(200);
    const events = await stack.events('message.received');
    expect(events.map((e) => e.data.messageId)).toEqual(['m_good']);
    expect(events[0]).toMatchObject({ instanceId: 'page-1', data: { chatId: '2000000000000500', from: '2000000000000500', text: 'olá', fromMe: false, type: 'text' } });
    expect(APP_SECRET).toBeTruthy();
  });
});

describe('the Graph pool and the stats routes', () => {
  it('reuses its keep-alive sockets and reports them', async () => {
    const stats = await stack.call('GET', '/stats/http-client');
    expect(stats.status).toBe(200);
    expect(stats.body.total.requests).toBeGreaterThan(10);
    expect(stats.body.total.reuseRatio).toBeGreaterThan(0.5);
    const breakers = await stack.call('GET', '/stats/circuit-breaker');
    expect(breakers.body.items.find((i: { instanceId: string }) => i.instanceId === 'page-1')).toMatchObject({ channel: 'messenger', page: { state: 'closed' } });
  });

  it('never logs the page token', () => {
    expect(stack.logs.length).toBeGreaterThan(0);
    expect(stack.logs.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});
