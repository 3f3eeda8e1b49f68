import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';
import { StatusStore } from '../../src/messages/status-store';
import { messageStatusObserver, ReceiptRecords } from '../../src/messages/receipts';
import { makeEvent, AnyEvent } from '../../src/events/envelope';
import { redisKeys } from '../../src/shared/keys';

/**
 * A receipt's status write also reads what the message log's row needs (campaign, recipient,
 * type) in the same call, and leaves it for the observers after it (ReceiptRecords): the record
 * as written, nothing for a message we never sent, and no record created for it.
 */
const prefix = uniquePrefix('receipt-records');
const redis = new IORedis(REDIS_URL);
const store = new StatusStore(redis, redisKeys(prefix), 1);

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

const receipt = (messageId: string, status: 'delivered' | 'read'): AnyEvent =>
  makeEvent({ type: 'message.status', instanceId: 'i-1', data: { messageId, waMessageId: messageId, chatId: '5511999990001@s.whatsapp.net', fromMe: true, status, timestamp: Date.now() } } as never);

test('the status write of a receipt reads the record for the log row; an unknown id reads none and writes none', async () => {
  await store.apply('MSG00000001', 'sent', { instanceId: 'i-1', to: '5511999990001', type: 'text', campaignId: 'camp-1' });
  const records = new ReceiptRecords();
  const observe = messageStatusObserver(store, { publish: () => undefined, records });
  const delivered = receipt('MSG00000001', 'delivered');
  const unknown = receipt('MSG00000404', 'read');
  const other = receipt('MSG00000001', 'read');
  await observe(delivered);
  await observe(unknown);
  expect(records.of(delivered)).toEqual({ record: { campaignId: 'camp-1', to: '5511999990001', type: 'text' } });
  expect(records.of(unknown)).toEqual({ record: undefined });
  expect(records.of(other)).toBeUndefined(); // not seen by the status observer: the log reads the record itself
  expect((await store.get('MSG00000001'))?.status).toBe('delivered');
  expect(await store.get('MSG00000404')).toBeUndefined();
});

test('applyAndRead answers like apply: a lower status is not written back, the record is still read', async () => {
  await store.apply('MSG00000002', 'read', { instanceId: 'i-1', to: '5511999990002', type: 'image' });
  const r = await store.applyAndRead('MSG00000002', 'delivered', {}, { onlyIfExists: true });
  expect(r).toEqual({ written: true, record: { campaignId: undefined, to: '5511999990002', type: 'image' } });
  expect((await store.get('MSG00000002'))?.status).toBe('read');
});
