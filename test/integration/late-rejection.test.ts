import { waitFor } from '../helpers/env';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';

/**
 * Late rejections through the sandbox (SANDBOX_LATE_REJECT_RATE=1: every send is acked, then
 * refused with WhatsApp's 463), on real Redis with the real server, message-worker and
 * broadcast-worker: a rejected message is failed, never left as sent.
 */
const stack = new BroadcastStack('late-reject');
let messageWorker: Running;

beforeAll(async () => {
  // RESTRICTION_ACK_HOLD_MS 0: every send here ends in a 463, which would otherwise hold new chats
  // (that rule has its own tests: test/integration/restriction-sandbox.test.ts)
  await stack.start({ SANDBOX_LATE_REJECT_RATE: 1, SANDBOX_RECEIPT_DELAY_MS: 40, CIRCUIT_FAILURE_THRESHOLD: 100, RESTRICTION_ACK_HOLD_MS: 0 });
  messageWorker = await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger());
  await stack.createInstance('lr-1');
});

afterAll(async () => {
  await messageWorker?.close();
  await stack.stop();
});

describe('late rejections', () => {
  it('turn a sent single message into failed with the reason, and report message.failed once (late)', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'lr-1', phone: '5511999990101', message: 'oi' });
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    const failed = await waitFor(async () => {
      const m = (await stack.call('GET', `/messages/${id}`)).body.message;
      return m?.status === 'failed' ? m : undefined;
    }, { what: 'failed after sent' });
    expect(failed).toMatchObject({ sentAt: expect.any(String), failedAt: expect.any(String), rejection: { code: 'reachout_timelocked', waCode: '463' }, error: { code: 'reachout_timelocked' } });
    const events = await waitFor(async () => {
      const list = (await stack.events('message.failed')).filter((e) => e.data.messageId === id);
      return list.length ? list : undefined;
    }, { what: 'message.failed' });
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ late: true, reason: { code: 'reachout_timelocked', waCode: '463' }, to: '5511999990101', type: 'text' });
    // the sent event went out when the send resolved; the failure follows it, the record stays failed
    expect((await stack.events('message.sent')).some((e) => e.data.messageId === id)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect((await stack.call('GET', `/messages/${id}`)).body.message.status).toBe('failed');
  });

  it('count a rejected campaign message as failed, not sent', async () => {
    const res = await stack.call('POST', '/queue/add-broadcast', { campaignId: 'lr-c1', instanceId: 'lr-1', message: 'promo', contacts: ['5511999990201', '5511999990202'] });
    expect(res.status).toBe(202);
    const done = await stack.waitStatus('lr-c1', 'completed');
    expect(done.total).toBe(2);
    const settled = await waitFor(async () => {
      const s = (await stack.call('GET', '/broadcast-status/lr-c1?recipients=failed')).body;
      return s.failed === 2 ? s : undefined;
    }, { what: 'both recipients failed' });
    expect(settled.sent).toBe(0);
    expect(settled.recipients.items.map((i: { code: string }) => i.code)).toEqual(['reachout_timelocked', 'reachout_timelocked']);
  });

  it('accept a LID as a recipient (what events report for a contact whose number is hidden)', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'lr-1', phone: '123456789012345@lid', message: 'resposta' });
    expect(res.status).toBe(202);
    expect(res.body.to).toBe('123456789012345@lid');
    const line = await waitFor(async () => (await stack.sendLog()).find((l) => l.messageId === res.body.messageId), { what: 'sent to the LID' });
    expect(line.to).toBe('123456789012345@lid');
    expect((await stack.call('POST', '/queue/add-message', { instanceId: 'lr-1', phone: '12@lid', message: 'x' })).status).toBe(400);
  });
});
