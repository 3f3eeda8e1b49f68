import { freePort, sleep, waitFor } from '../helpers/env';
import { TestRedis } from '../helpers/processes';
import { createRedis } from '../../src/shared/redis';
import { redisKeys } from '../../src/shared/keys';
import { silentLogger } from '../../src/shared/logger';
import { SendLedger } from '../../src/whatsapp/send-ledger';
import type { SendResult } from '../../src/channels/content';

jest.setTimeout(60_000);

/**
 * Redis goes away between "handed to WhatsApp" and "recorded": a retry of the same id must get the
 * first result, never a second send, and the record must reach Redis once it is back.
 */
test('a send whose record could not be written is never sent twice', async () => {
  const redisServer = new TestRedis(await freePort());
  await redisServer.start();
  const redis = createRedis(redisServer.url, { name: 'ledger-test', logger: silentLogger() });
  const keys = redisKeys('ledger-outage');
  const ledger = new SendLedger(redis, keys, silentLogger(), { ttlSeconds: 3600, waitMs: 500 });
  try {
    await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
    let sends = 0;
    const result: SendResult = { waMessageId: '3EB0AAAA', jid: '5511999999999@s.whatsapp.net', timestamp: Date.now() };
    const first = await ledger.once('i1', '3EB0AAAA', async () => {
      sends++;
      await redisServer.stop('SIGKILL'); // Redis dies while the message is on its way
      return result;
    });
    expect(first).toEqual({ result, duplicate: false });

    const retry = await ledger.once('i1', '3EB0AAAA', async () => {
      sends++;
      return { ...result, waMessageId: 'SECOND' };
    });
    expect(retry).toEqual({ result, duplicate: true });
    expect(sends).toBe(1);
    await expect(ledger.once('i2', '3EB0AAAA', async () => result)).rejects.toMatchObject({ code: 'conflict' });

    await redisServer.start();
    const recorded = await waitFor(async () => {
      const raw = await redis.get(keys.sendRecord('3EB0AAAA')).catch(() => null);
      return raw && JSON.parse(raw).state === 'sent' ? JSON.parse(raw) : undefined;
    }, { timeoutMs: 20_000, what: 'the record written after Redis came back' });
    expect(recorded.result).toEqual(result);
    await sleep(50);
    expect(await ledger.once('i1', '3EB0AAAA', async () => ({ ...result, waMessageId: 'THIRD' }))).toEqual({ result, duplicate: true });
    expect(sends).toBe(1);
  } finally {
    redis.disconnect();
    await redisServer.stop();
  }
});
