/**
 * Restriction state end to end: the real processes (whatsapp-server with the real Baileys driver,
 * message-worker, webhook-worker, and broadcast-worker started here) against the WhatsApp Web
 * stand-in (test/harness/fake-wa), which sends the error acks and mex notifications Baileys rc14
 * reads (README "Network behaviours"). Steps share one instance and run in order.
 */
import { waitFor } from '../helpers/env';
import type { AppProcess } from '../helpers/processes';
import { BaileysStack, DeliveredEvent } from '../harness/baileys-stack';
import { campaignMessageId } from '../../src/whatsapp/ids';

jest.setTimeout(120_000);

const ID = 'restr-1';
const CONTACT = '5511988880001';
let stack: BaileysStack;
let broadcastWorker: AppProcess | undefined;

beforeAll(async () => {
  stack = new BaileysStack('standin-restriction', {
    WA_RECONNECT_BASE_MS: '200',
    WA_VERSION_FETCH_TIMEOUT_MS: '0',
    RESTRICTION_RECHECK_MS: '200',
    CIRCUIT_FAILURE_THRESHOLD: '100',
  });
  await stack.start({ phone: '5511900000003', preKeyCount: 50 });
  broadcastWorker = await stack.startBroadcastWorker();
  stack.wa.addContact(CONTACT, { lid: '204000000000301' });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack?.output(), broadcastWorker?.output());
  await stack?.stop();
});

const send = (phone: string, message: string) => stack.call('POST', '/queue/add-message', { instanceId: ID, phone, message });
const status = async (id: string) => (await stack.call('GET', `/messages/${id}`)).body.message;
const restrictionAt = (pred: (e: DeliveredEvent) => boolean, what: string) =>
  stack.waitDelivered('/status', (e) => e.type === 'instance.restriction' && e.instanceId === ID && pred(e), what, 30_000);
const campaign = async (id: string) => (await stack.call('GET', `/broadcast-status/${id}`)).body;

describe('restriction state against the stand-in', () => {
  it('a late 463 turns sent into failed with the reason, reports message.failed and an instance.restriction', async () => {
    stack.wa.failOutgoing({ error: 463, to: '5511977770001', count: 1, late: true });
    const res = await send('5511977770001', 'Olá, temos uma oferta');
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    await stack.wa.waitForOutgoing((o) => o.id === id, 30_000);
    const failed = await waitFor(async () => {
      const m = await status(id);
      return m?.status === 'failed' ? m : undefined;
    }, { timeoutMs: 30_000, what: 'failed after the error ack' });
    expect(failed).toMatchObject({ sentAt: expect.any(String), rejection: { code: 'reachout_timelocked', waCode: '463' } });
    const event = await stack.waitDelivered('/messages', (e) => e.type === 'message.failed' && e.data.messageId === id, 'message.failed');
    expect(event.data).toMatchObject({ late: true, reason: { code: 'reachout_timelocked', waCode: '463' } });
    const restriction = await restrictionAt((e) => e.data.reachoutTimelock.active === true, 'instance.restriction from the 463');
    expect(restriction.data.reachoutTimelock).toMatchObject({ active: true, source: 'ack_463', assumedUntil: expect.any(String) });
    expect(restriction.data.reachoutTimelock.until).toBeUndefined();
    const shown = (await stack.call('GET', `/instance/${ID}/status`)).body.restriction;
    expect(shown.reachoutTimelock).toMatchObject({ active: true, until: null, source: 'ack_463' });
  });

  it("WhatsApp's timelock notification reaches GET status and the receiver as instance.restriction; so does the new-chat cap", async () => {
    const endsAt = new Date(Date.now() + 10 * 60_000);
    stack.wa.current!.pushReachoutTimelock({ endsAt, enforcementType: 'BIZ_QUALITY' });
    const until = new Date(Math.floor(endsAt.getTime() / 1000) * 1000).toISOString();
    const event = await restrictionAt((e) => e.data.reachoutTimelock.source === 'server', 'instance.restriction from the notification');
    expect(event.data.reachoutTimelock).toMatchObject({ active: true, until, enforcementType: 'BIZ_QUALITY', source: 'server' });
    const cycleEnd = Math.floor(Date.now() / 1000) + 86_400;
    stack.wa.current!.pushMessageCapping({ total_quota: 50, used_quota: 12, cycle_end_timestamp: String(cycleEnd), capping_status: 'FIRST_WARNING' });
    await restrictionAt((e) => e.data.newChatCap.used === 12, 'instance.restriction from the capping notification');
    const shown = (await stack.call('GET', `/instance/${ID}/status`)).body.restriction;
    expect(shown).toEqual({
      reachoutTimelock: { active: true, until, source: 'server', enforcementType: 'BIZ_QUALITY' },
      newChatCap: { used: 12, total: 50, cycleEnd: new Date(cycleEnd * 1000).toISOString(), status: 'FIRST_WARNING' },
    });
    const metrics = await stack.call('GET', '/metrics');
    expect(String(metrics.body)).toMatch(new RegExp(`wa_instance_restricted\\{[^}]*instance="${ID}"[^}]*\\} 1`));
    expect(String(metrics.body)).toMatch(new RegExp(`wa_instance_new_chat_quota_used\\{[^}]*instance="${ID}"[^}]*\\} 12`));
  });

  it('a campaign to new chats pauses with restricted while a reply to a chat that wrote to us is sent; it continues when the lock is lifted', async () => {
    const created = await stack.call('POST', '/queue/add-broadcast', { campaignId: 'restr-c1', instanceId: ID, message: 'promo', contacts: ['5511977770011', '5511977770012'] });
    expect(created.status).toBe(202);
    await waitFor(async () => {
      const s = await campaign('restr-c1');
      return s.status === 'paused' && s.pauseReason === 'restricted' ? s : undefined;
    }, { timeoutMs: 30_000, what: 'campaign paused restricted' });

    const inId = stack.wa.current!.pushMessage({ from: CONTACT, text: 'oi, meu pedido chegou?', pushName: 'Bia' });
    await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === inId, 'inbound from the contact');
    const reply = await send(CONTACT, 'Chegou sim!');
    const out = await stack.wa.waitForOutgoing((o) => o.id === reply.body.messageId, 30_000);
    expect(out.to === `${CONTACT}@s.whatsapp.net` || out.to === '204000000000301@lid').toBe(true);
    await waitFor(async () => (await status(reply.body.messageId))?.status === 'sent', { timeoutMs: 30_000, what: 'reply sent' });

    // the campaign is still held, nothing went to its recipients
    expect(await campaign('restr-c1')).toMatchObject({ status: 'paused', pauseReason: 'restricted', sent: 0 });
    const campaignIds = ['5511977770011', '5511977770012'].map((to) => campaignMessageId('restr-c1', to));
    expect(stack.wa.outgoing.filter((o) => campaignIds.includes(o.id))).toEqual([]);

    stack.wa.current!.pushReachoutTimelock({ active: false });
    await restrictionAt((e) => e.data.reachoutTimelock.active === false, 'lifted');
    const done = await waitFor(async () => {
      const s = await campaign('restr-c1');
      return s.status === 'completed' ? s : undefined;
    }, { timeoutMs: 30_000, what: 'campaign completed after the lift' });
    expect(done).toMatchObject({ sent: 2, failed: 0 });
    await waitFor(() => campaignIds.every((id) => stack.wa.outgoing.some((o) => o.id === id)), { what: 'both campaign messages at the stand-in' });
    expect((await stack.call('GET', `/instance/${ID}/status`)).body.restriction.reachoutTimelock).toMatchObject({ active: false, until: null });
  });
});
