/**
 * Edits and deletes in the send budget (real Redis, injected clock): they change a message the
 * chat already has, so they open no chat (not held by nor counted in the new-chat cap, whatever the
 * recipient did) and are never identical content; they still count in the minute window.
 */
import IORedis from 'ioredis';
import { BUDGET_OFF, cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';
import { loadConfig } from '../../src/shared/config';
import { createSendBudget } from '../../src/budget/create-budget';
import type { SendBudget } from '../../src/budget/send-budget';
import type { SendContent } from '../../src/channels/content';

const prefix = uniquePrefix('budget-follow-ups');
const redis = new IORedis(REDIS_URL);
const clock = new Date(2025, 7, 29, 10).getTime();
let seq = 0;

function budget(env: Record<string, string>): SendBudget {
  const config = loadConfig({ QUEUE_PREFIX: prefix, ...BUDGET_OFF, ...env });
  return createSendBudget(config, redis, { instance: async () => ({ createdAt: clock - 365 * 86_400_000 }), publish: () => undefined, now: () => clock });
}

async function send(b: SendBudget, instanceId: string, to: string, content: SendContent) {
  const plan = await b.plan(instanceId, 'single', { to, content });
  const r = await b.reserve(plan, `tok-${seq++}`);
  if ('hold' in r) return { chat: plan.chat, hold: r.hold };
  await b.commit(r.reservation, { messageId: `m-${seq++}` });
  return { chat: plan.chat };
}

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

describe('edits and deletes in the send budget', () => {
  it('are not new chats: the new-chat cap neither holds nor counts them', async () => {
    const b = budget({ BUDGET_NEW_CHATS_PER_DAY: '1' });
    expect(await send(b, 'fu-1', '5511900000001', { type: 'text', text: 'primeira' })).toEqual({ chat: 'new' });
    // the cap is used up: another new chat waits ...
    expect((await send(b, 'fu-1', '5511900000002', { type: 'text', text: 'outra' })).hold).toMatchObject({ hold: 'new_chat_daily_cap' });
    // ... an edit and a delete of what was sent do not, though that recipient never wrote
    expect(await send(b, 'fu-1', '5511900000001', { type: 'edit', targetId: '3EB0AAAAAAAAAAAAAAAAAA', text: 'corrigida' })).toEqual({ chat: 'known' });
    expect(await send(b, 'fu-1', '5511900000001', { type: 'delete', targetId: '3EB0AAAAAAAAAAAAAAAAAA' })).toEqual({ chat: 'known' });
    const used = await b.windows.usage('fu-1', clock);
    expect(used.newChats).toBe(1);
    expect(used.minute).toBe(3);
  });

  it('are never identical content, however many chats get the same edit', async () => {
    const b = budget({ BUDGET_IDENTICAL_PER_HOUR: '1' });
    const edit: SendContent = { type: 'edit', targetId: '3EB0BBBBBBBBBBBBBBBBBB', text: 'preço corrigido: R$ 10' };
    for (let i = 0; i < 3; i++) expect((await send(b, 'fu-2', `551190000010${i}`, edit)).hold).toBeUndefined();
    // the same words as a new text to a new chat are spread as usual
    const promo: SendContent = { type: 'text', text: 'preço corrigido: R$ 10' };
    expect((await send(b, 'fu-2', '5511900000200', promo)).hold).toBeUndefined();
    expect((await send(b, 'fu-2', '5511900000201', promo)).hold).toMatchObject({ hold: 'identical_content' });
  });
});
