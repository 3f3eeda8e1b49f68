/**
 * Number checks with the real Baileys (WHATSAPP_DRIVER=baileys) against the WhatsApp Web stand-in
 * in `directory: 'registered'` mode (only numbers added with addContact have an account):
 * check-numbers returns the 9-digit form of a Brazilian number given with 8 digits (registered in
 * its 9-digit form only) with its LID, and exists: false for an unregistered number; a checkNumber
 * message and a checkNumbers campaign never send to the unregistered one. whatsapp-server,
 * message-worker, webhook-worker and broadcast-worker run as child processes from dist/.
 */
import type { FakeNode } from '../harness/fake-wa/index.mjs' with { 'resolution-mode': 'import' };
import { freePort, waitFor } from '../helpers/env';
import { healthStatus } from '../helpers/pm2';
import { AppProcess, spawnApp } from '../helpers/processes';
import { BaileysStack } from '../harness/baileys-stack';
import { campaignMessageId } from '../../src/whatsapp/ids';

jest.setTimeout(120_000);

const ID = 'check-1';
const PHONE = '5511900000031';
const BR9 = { phone: '5511987654321', lid: '204000000000031' }; // registered in its 9-digit form only
const BR8 = '551187654321'; // the same mobile written without the ninth digit
const ANA = '5511966660101'; // registered
const STRANGER = '5511955550202'; // not on WhatsApp
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

let stack: BaileysStack;
let broadcastWorker: AppProcess | undefined;

beforeAll(async () => {
  const broadcastPort = await freePort();
  stack = new BaileysStack('standin-check', { BROADCAST_WORKER_PORT: String(broadcastPort), WA_VERSION_FETCH_TIMEOUT_MS: '0' });
  await stack.start({ phone: PHONE, directory: 'registered' });
  stack.wa.addContact(BR9.phone, { lid: BR9.lid });
  stack.wa.addContact(ANA);
  broadcastWorker = spawnApp('broadcast-worker', stack.env);
  await waitFor(async () => (await healthStatus(broadcastPort)).status === 200, { timeoutMs: 20_000, what: `broadcast-worker healthy\n${broadcastWorker.output()}` });
  await stack.linkInstance(ID);
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack?.output(), broadcastWorker?.output());
  await broadcastWorker?.stop('SIGTERM');
  await stack?.stop();
});

/** The phones of every usync <user><contact>+…</contact> the stand-in received, and the protocols asked. */
function usyncAsked(): { phones: string[]; protocols: string[][] } {
  const queries = stack.wa.connections.flatMap((c) => c.received).filter((n) => n.attrs.xmlns === 'usync');
  const child = (n: FakeNode | undefined, tag: string) => (Array.isArray(n?.content) ? n!.content.find((c) => c.tag === tag) : undefined);
  const children = (n: FakeNode | undefined) => (Array.isArray(n?.content) ? n!.content : []);
  const phones: string[] = [];
  const protocols: string[][] = [];
  for (const q of queries) {
    const usync = child(q, 'usync');
    protocols.push(children(child(usync, 'query')).map((p) => p.tag));
    for (const user of children(child(usync, 'list'))) {
      const contact = child(user, 'contact');
      const text = contact?.content;
      if (text) phones.push(typeof text === 'string' ? text : Buffer.from(text as Uint8Array).toString());
    }
  }
  return { phones, protocols };
}

describe('number checks through the real Baileys', () => {
  it('check-numbers: the 8-digit form resolves to the registered 9-digit form with its LID; an unregistered number does not exist', async () => {
    const res = await stack.call('POST', `/instance/${ID}/check-numbers`, { phones: [BR8, STRANGER, ANA] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { input: BR8, exists: true, phone: BR9.phone, jid: pn(BR9.phone), lid: `${BR9.lid}@lid`, cached: false },
      { input: STRANGER, exists: false, phone: STRANGER, jid: pn(STRANGER), cached: false },
      { input: ANA, exists: true, phone: ANA, jid: pn(ANA), lid: expect.stringMatching(/^\d+@lid$/), cached: false },
    ]);
    // one usync query with the contact and LID protocols; the Brazilian mobile asked in both forms
    const asked = usyncAsked();
    expect(asked.protocols).toContainEqual(['contact', 'lid']);
    expect(asked.phones).toEqual(expect.arrayContaining([`+${BR9.phone}`, `+${BR8}`, `+${STRANGER}`, `+${ANA}`]));
    const again = await stack.call('POST', `/instance/${ID}/check-numbers`, { phones: [BR8] });
    expect(again.body.results[0]).toMatchObject({ exists: true, phone: BR9.phone, cached: true });
  });

  it('add-message with checkNumber to an unregistered number fails not_on_whatsapp and reaches no one', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: ID, phone: '5511944440303', message: 'oi', checkNumber: true });
    expect(res.status).toBe(202);
    const id = res.body.messageId as string;
    const failed = await waitFor(async () => {
      const m = (await stack.call('GET', `/messages/${id}`)).body.message;
      return m?.status === 'failed' ? m : undefined;
    }, { timeoutMs: 30_000, what: `failed\n${stack.output().slice(-3000)}` });
    expect(failed.error).toMatchObject({ code: 'not_on_whatsapp' });
    expect(stack.wa.outgoing.some((o) => o.id === id)).toBe(false);
  });

  it('a campaign with checkNumbers skips the unregistered number, sends the 8-digit one to its registered form, and completes', async () => {
    const campaignId = 'check-c1';
    const res = await stack.call('POST', '/queue/add-broadcast', { campaignId, instanceId: ID, message: 'promoção', contacts: [ANA, STRANGER, BR8], checkNumbers: true });
    expect(res.status).toBe(202);
    const done = await waitFor(async () => {
      const s = (await stack.call('GET', `/broadcast-status/${campaignId}?recipients=failed`)).body;
      return s.status === 'completed' ? s : undefined;
    }, { timeoutMs: 60_000, what: `campaign completed\n${stack.output().slice(-3000)}` });
    expect(done).toMatchObject({ total: 3, sent: 2, failed: 1 });
    expect(done.recipients.items).toEqual([expect.objectContaining({ to: STRANGER, code: 'not_on_whatsapp' })]);

    const toBr = await stack.wa.waitForOutgoing((o) => o.id === campaignMessageId(campaignId, BR8), 30_000);
    expect([pn(BR9.phone), `${BR9.lid}@lid`]).toContain(toBr.to);
    await stack.wa.waitForOutgoing((o) => o.id === campaignMessageId(campaignId, ANA), 30_000);
    expect(stack.wa.outgoing.some((o) => o.id === campaignMessageId(campaignId, STRANGER))).toBe(false);
    expect(stack.wa.outgoing.some((o) => o.to === pn(BR8) || o.to === pn(STRANGER))).toBe(false);
  });
});
