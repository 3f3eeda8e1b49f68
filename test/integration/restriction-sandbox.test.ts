import { waitFor } from '../helpers/env';
import { redisKeys } from '../../src/shared/keys';
import { BroadcastStack } from '../helpers/broadcast-stack';
import { MessagingStack } from '../helpers/messaging-stack';
import { messageWorkerSpec } from '../../src/apps/message-worker/wiring';
import { startWorker } from '../../src/apps/_runtime/worker-process';
import { silentLogger } from '../../src/shared/logger';
import type { Running } from '../../src/shared/lifecycle';

/**
 * Restriction state through the sandbox knobs, on real Redis with the real server, message-worker
 * and broadcast-worker in this process: POST /instance/:id/sandbox/restriction plays WhatsApp's
 * timelock notification; while it runs, sends to chats that never wrote are held (a single message
 * waits without using attempts, a campaign pauses `restricted`) and replies go on.
 */
jest.setTimeout(60_000);

const ID = 'rs-1';
const stack = new BroadcastStack('restriction');
let messageWorker: Running;
/** the single message held in the second test, sent once the timelock is lifted in the third */
let coldId = '';

beforeAll(async () => {
  await stack.start({ RESTRICTION_RECHECK_MS: 150, RESTRICTION_MAX_WAITS: 1000, CIRCUIT_FAILURE_THRESHOLD: 100 });
  messageWorker = await startWorker(messageWorkerSpec(stack.config, silentLogger()), stack.config, silentLogger());
  await stack.createInstance(ID);
});

afterAll(async () => {
  await messageWorker?.close();
  await stack.stop();
});

const restrict = (body: unknown) => stack.call('POST', `/instance/${ID}/sandbox/restriction`, body);
const send = (phone: string, message: string) => stack.call('POST', '/queue/add-message', { instanceId: ID, phone, message });
const message = async (id: string) => (await stack.call('GET', `/messages/${id}`)).body.message;
const sentTo = async (phone: string) => (await stack.sendLog(ID)).filter((l) => l.to === phone);
const restrictionEvents = async (s: MessagingStack, instanceId: string) => (await s.events('instance.restriction')).filter((e) => e.instanceId === instanceId);

describe('restriction state through the sandbox', () => {
  it('a timelock set through the sandbox route is an instance.restriction event and shows in the status', async () => {
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await restrict({ reachoutTimelock: { active: true, until, enforcementType: 'BIZ_QUALITY' }, newChatCap: { used: 3, total: 50 } });
    expect(res.status).toBe(200);
    expect(res.body.restriction).toMatchObject({ reachoutTimelock: { active: true, until, source: 'server', enforcementType: 'BIZ_QUALITY' }, newChatCap: { used: 3, total: 50 } });
    const events = await waitFor(async () => {
      const list = await restrictionEvents(stack, ID);
      return list.length >= 2 ? list : undefined;
    }, { what: 'instance.restriction events' });
    // one per change: the timelock, then the cap, each with the whole state
    expect(events[0].data).toMatchObject({ reachoutTimelock: { active: true, until, source: 'server' }, newChatCap: {}, sandbox: true });
    expect(events[1].data).toMatchObject({ reachoutTimelock: { active: true, until }, newChatCap: { used: 3, total: 50 } });
    const status = (await stack.call('GET', `/instance/${ID}/status`)).body;
    expect(status.restriction).toEqual({
      reachoutTimelock: { active: true, until, source: 'server', enforcementType: 'BIZ_QUALITY' },
      newChatCap: { used: 3, total: 50, cycleEnd: null, status: null },
    });
    // the same state again is no change: no event
    await restrict({ reachoutTimelock: { active: true, until, enforcementType: 'BIZ_QUALITY' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(await restrictionEvents(stack, ID)).toHaveLength(2);
  });

  it('holds a single message to a new chat (a wait, no attempt used) while a reply to a chat that wrote to us is sent', async () => {
    const cold = await send('5511999990301', 'oferta');
    expect(cold.status).toBe(202);
    coldId = cold.body.messageId as string;
    const held = await waitFor(async () => {
      const m = await message(coldId);
      return m?.lastError?.code === 'restricted' ? m : undefined;
    }, { what: 'held as restricted' });
    expect(held.status).toBe('sending');

    const inbound = await stack.call('POST', `/instance/${ID}/sandbox/incoming`, { from: '5511999990302', text: 'oi, quero saber do pedido' });
    expect(inbound.status).toBe(201);
    // whatsapp-server records the chat next to the event, without holding the event for it
    await waitFor(async () => (await stack.server.deps.redis.zscore(redisKeys(stack.prefix).inboundChats(ID), '5511999990302')) !== null, { what: 'chat recorded as one that wrote to us' });
    const reply = await send('5511999990302', 'Seu pedido saiu!');
    await waitFor(async () => ['sent', 'delivered', 'read'].includes((await message(reply.body.messageId))?.status), { what: 'reply sent' });
    expect(await sentTo('5511999990302')).toHaveLength(1);

    // still waiting, several rechecks later, and never sent
    await new Promise((r) => setTimeout(r, 600));
    const job = await stack.server.deps.queues.message.getJob(coldId);
    expect(job?.data.restrictedWaits).toBeGreaterThanOrEqual(2);
    expect((await message(coldId)).status).toBe('sending');
    expect(await sentTo('5511999990301')).toHaveLength(0);
  });

  it('a campaign to new chats pauses with restricted and continues by itself after the timelock is lifted; the waiting message goes too', async () => {
    const res = await stack.call('POST', '/queue/add-broadcast', { campaignId: 'rs-c1', instanceId: ID, message: 'promo', contacts: ['5511999990302', '5511999990401', '5511999990402'] });
    expect(res.status).toBe(202);
    const paused = await waitFor(async () => {
      const s = (await stack.status('rs-c1')).body;
      return s.status === 'paused' && s.pauseReason === 'restricted' ? s : undefined;
    }, { what: 'campaign paused restricted' });
    // the chat that wrote to us got its message; the first cold recipient waits
    expect(paused.holdUntil).toEqual(expect.any(String));
    await waitFor(async () => (await stack.status('rs-c1')).body.sent === 1, { what: 'reply recipient sent' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.status('rs-c1')).body).toMatchObject({ status: 'paused', pauseReason: 'restricted', sent: 1, pending: 2 });
    expect(await sentTo('5511999990401')).toHaveLength(0);

    const lifted = await restrict({ reachoutTimelock: { active: false } });
    expect(lifted.body.restriction.reachoutTimelock).toMatchObject({ active: false, until: null, source: 'server' });
    const done = await stack.waitStatus('rs-c1', 'completed');
    expect(done).toMatchObject({ sent: 3, failed: 0 });
    expect(done.pauseReason).toBeUndefined();
    const events = await restrictionEvents(stack, ID);
    expect(events[events.length - 1].data.reachoutTimelock).toEqual({ active: false, source: 'server' });

    // the single message held in the test above goes out now, its attempts unused by the waits
    const sent = await waitFor(async () => {
      const m = await message(coldId);
      return m && m.status !== 'sending' ? m : undefined;
    }, { what: 'held message sent' });
    expect(await sentTo('5511999990301')).toHaveLength(1);
    expect(['sent', 'delivered', 'read']).toContain(sent.status);
    expect(sent.attempts).toBe(1);
  });
});

describe('a late 463 (SANDBOX_LATE_REJECT_RATE=1)', () => {
  const rejecting = new MessagingStack('restriction-463');
  const RID = 'rs-463';

  beforeAll(async () => {
    await rejecting.start({ SANDBOX_LATE_REJECT_RATE: 1, SANDBOX_RECEIPT_DELAY_MS: 30, RESTRICTION_RECHECK_MS: 150, RESTRICTION_MAX_WAITS: 1000, CIRCUIT_FAILURE_THRESHOLD: 100 });
    await rejecting.createInstance(RID);
  });

  afterAll(async () => rejecting.stop());

  it('marks the timelock active (no end from WhatsApp: assumed for RESTRICTION_ACK_HOLD_MS), and the next new chat waits', async () => {
    const first = await rejecting.call('POST', '/queue/add-message', { instanceId: RID, phone: '5511999990501', message: 'oi' });
    await waitFor(async () => (await rejecting.call('GET', `/messages/${first.body.messageId}`)).body.message?.status === 'failed', { what: 'late 463' });
    const [event] = await waitFor(async () => {
      const list = await restrictionEvents(rejecting, RID);
      return list.length ? list : undefined;
    }, { what: 'instance.restriction from the 463' });
    expect(event.data.reachoutTimelock).toMatchObject({ active: true, source: 'ack_463', since: expect.any(String), assumedUntil: expect.any(String) });
    expect(event.data.reachoutTimelock.until).toBeUndefined();
    const assumed = Date.parse(event.data.reachoutTimelock.assumedUntil);
    expect(assumed - Date.now()).toBeGreaterThan(25 * 60_000); // default 30 minutes
    const status = (await rejecting.call('GET', `/instance/${RID}/status`)).body;
    expect(status.restriction.reachoutTimelock).toMatchObject({ active: true, until: null, source: 'ack_463' });

    const second = await rejecting.call('POST', '/queue/add-message', { instanceId: RID, phone: '5511999990502', message: 'oi de novo' });
    await waitFor(async () => (await rejecting.call('GET', `/messages/${second.body.messageId}`)).body.message?.lastError?.code === 'restricted', { what: 'second waits' });
    expect((await rejecting.sendLog()).filter((l) => l.to === '5511999990502')).toHaveLength(0);
  });
});
