import type { AuthenticationCreds, SignalKeyStore } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { catchUpAppState } from '../../src/whatsapp/baileys/app-state-catch-up';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import type { WaSocketLike } from '../../src/whatsapp/baileys/socket-types';

let baileys: Baileys;
beforeAll(async () => {
  baileys = await loadBaileys();
});

function keyStore(versions: Record<string, unknown>): SignalKeyStore {
  return {
    get: async (type: string, ids: string[]) => (type === 'app-state-sync-version' ? Object.fromEntries(ids.filter((id) => versions[id]).map((id) => [id, versions[id]])) : {}),
    set: async () => undefined,
  } as unknown as SignalKeyStore;
}

function socket() {
  const calls: Array<[readonly string[], boolean]> = [];
  const sock = { resyncAppState: async (names: readonly string[], initial: boolean) => void calls.push([names, initial]) } as unknown as WaSocketLike;
  return { sock, calls };
}

const creds = (c: Partial<AuthenticationCreds>) => c as AuthenticationCreds;

describe('catchUpAppState', () => {
  it('runs the initial sync of every collection for a device past its first-login window with the key and no state', async () => {
    const { sock, calls } = socket();
    expect(await catchUpAppState(baileys, sock, creds({ accountSyncCounter: 1, myAppStateKeyId: 'AAAA' }), keyStore({}))).toBe('ran');
    expect(calls).toEqual([[baileys.ALL_WA_PATCH_NAMES, true]]);
  });

  it('waits during the first-login window (rc14 syncs itself) and while the key is missing', async () => {
    const { sock, calls } = socket();
    expect(await catchUpAppState(baileys, sock, creds({ accountSyncCounter: 0, myAppStateKeyId: 'AAAA' }), keyStore({}))).toBe('wait');
    expect(await catchUpAppState(baileys, sock, creds({ myAppStateKeyId: 'AAAA' }), keyStore({}))).toBe('wait');
    expect(await catchUpAppState(baileys, sock, creds({ accountSyncCounter: 2 }), keyStore({}))).toBe('wait');
    expect(calls).toEqual([]);
  });

  it('does nothing once any collection was synced', async () => {
    const { sock, calls } = socket();
    const synced = keyStore({ critical_unblock_low: { version: 3 } });
    expect(await catchUpAppState(baileys, sock, creds({ accountSyncCounter: 1, myAppStateKeyId: 'AAAA' }), synced)).toBe('synced');
    expect(calls).toEqual([]);
  });
});
