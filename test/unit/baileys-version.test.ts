import { silentLogger } from '../../src/shared/logger';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import { bundledVersion, createVersionSource, FetchLatest } from '../../src/whatsapp/baileys/version';

let baileys: Baileys;
beforeAll(async () => {
  baileys = await loadBaileys();
});

const logger = silentLogger();

describe('WhatsApp Web version source', () => {
  test('fetched version first, one fetch shared; a 405 (invalidate) fetches again', async () => {
    let calls = 0;
    const fetchLatest: FetchLatest = async (timeoutMs) => {
      calls++;
      expect(timeoutMs).toBe(1234);
      return { version: [2, 3000, 2000000000 + calls], isLatest: true };
    };
    const v = createVersionSource(baileys, { fetchTimeoutMs: 1234, logger, configured: [2, 3000, 1], fetchLatest });
    const [a, b] = await Promise.all([v.get(), v.get()]);
    expect(a).toEqual([2, 3000, 2000000001]);
    expect(b).toBe(a);
    expect(calls).toBe(1);
    v.invalidate();
    expect(await v.get()).toEqual([2, 3000, 2000000002]);
  });

  test('fetch failure -> WA_VERSION; neither -> the version bundled with Baileys', async () => {
    const failing: FetchLatest = async () => ({ version: bundledVersion(baileys), isLatest: false, error: new Error('offline') });
    expect(await createVersionSource(baileys, { fetchTimeoutMs: 10, logger, configured: [2, 3000, 7], fetchLatest: failing }).get()).toEqual([2, 3000, 7]);
    const throwing: FetchLatest = async () => {
      throw new Error('boom');
    };
    expect(await createVersionSource(baileys, { fetchTimeoutMs: 10, logger, fetchLatest: throwing }).get()).toEqual(bundledVersion(baileys));
    expect(bundledVersion(baileys)[0]).toBe(2);
  });

  test('timeout 0 never fetches', async () => {
    let called = false;
    const v = createVersionSource(baileys, { fetchTimeoutMs: 0, logger, configured: [2, 3000, 9], fetchLatest: async () => ((called = true), { version: [2, 3000, 1], isLatest: true }) });
    expect(await v.get()).toEqual([2, 3000, 9]);
    expect(called).toBe(false);
  });

  test("Baileys' own fetch takes fetch() options: our AbortSignal reaches it, and it never throws", async () => {
    const r = await baileys.fetchLatestWaWebVersion({ signal: AbortSignal.abort() });
    expect(r.isLatest).toBe(false);
    expect((r.error as Error).name).toBe('AbortError');
    expect(r.version).toEqual(bundledVersion(baileys));
  });
});
