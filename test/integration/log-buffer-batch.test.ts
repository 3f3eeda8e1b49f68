import { jest } from '@jest/globals';
import IORedis from 'ioredis';
import { cleanupPrefix, REDIS_URL, uniquePrefix } from '../helpers/env';
import { LogBuffer } from '../../src/message-log/buffer';
import type { LogRow } from '../../src/message-log/row';
import { redisKeys } from '../../src/shared/keys';

/**
 * The message log buffer's pushes made in one turn of the event loop share one script call:
 * the rows land in push order, and when the bound refuses the last rows each caller is told its
 * own share of the refusal (so the one whose rows were refused logs them).
 */
const prefix = uniquePrefix('log-batch');
const redis = new IORedis(REDIS_URL);
const keys = redisKeys(prefix);
const row = (id: string): LogRow => ({ id, at: new Date().toISOString(), instanceId: 'i-1', channel: 'whatsapp', messageId: id, status: 'sent' });

afterAll(async () => {
  await cleanupPrefix(prefix);
  redis.disconnect();
});

test('pushes of one tick go out together, in order, each told its share of what the bound refused', async () => {
  const buffer = new LogBuffer(redis, keys, 3);
  await buffer.push([]); // nothing to write: no call
  const calls = jest.spyOn(redis, 'evalsha');
  const results = await Promise.all([buffer.push([row('a'), row('b')]), buffer.push([row('c'), row('d')]), buffer.push([row('e')])]);
  expect(results).toEqual([0, 1, 1]);
  expect(calls).toHaveBeenCalledTimes(1);
  const stored = (await redis.lrange(keys.logBuffer, 0, -1)).map((r) => (JSON.parse(r) as LogRow).id);
  expect(stored).toEqual(['a', 'b', 'c']);
  expect(Number(await redis.get(keys.logDropped))).toBe(2);
  // a later push is a call of its own
  expect(await buffer.push([row('f')])).toBe(1);
  expect(calls).toHaveBeenCalledTimes(2);
});
