import { installConsoleFilter, libsignalPrefix, uninstallConsoleFilter } from '../../src/whatsapp/baileys/console-filter';

// libsignal ships with Baileys (CommonJS); its SessionRecord prints sessions, keys included, with console.info.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SessionRecord } = require('libsignal') as { SessionRecord: new () => { closeSession(s: unknown): void; openSession(s: unknown): void } };

describe('libsignal console filter', () => {
  const printed: unknown[][] = [];
  const originals = { info: console.info, warn: console.warn, error: console.error, log: console.log };

  beforeEach(() => {
    printed.length = 0;
    for (const m of ['info', 'warn', 'error', 'log'] as const) console[m] = (...args: unknown[]) => void printed.push(args);
  });

  afterEach(() => {
    uninstallConsoleFilter();
    Object.assign(console, originals);
  });

  test("drops libsignal's session dumps (private keys) and keeps everything else", () => {
    const drops: string[] = [];
    const stop = installConsoleFilter((p) => drops.push(p));
    const secret = { indexInfo: { closed: -1 }, currentRatchet: { ephemeralKeyPair: { privKey: Buffer.from('PRIVATE-KEY') } } };
    new SessionRecord().closeSession(secret); // console.info("Closing session:", session)
    new SessionRecord().openSession({ indexInfo: { closed: 1 } }); // console.info("Opening session:", ...)
    console.error('Session error:Error: Bad MAC', 'stack...');
    console.error('Failed to decrypt message with any known session...');
    console.warn('Decrypted message with closed session.');
    console.info('our own line');
    console.error(new Error('an error object passes too'));
    expect(printed.map((a) => a[0])).toEqual(['our own line', expect.any(Error)]);
    expect(JSON.stringify(printed)).not.toContain('PRIVATE-KEY');
    expect(drops).toEqual(['Closing session', 'Opening session', 'Session error', 'Failed to decrypt message with any known session', 'Decrypted message with closed session']);
    stop();
  });

  test('installing twice wraps once; uninstall restores the console', () => {
    installConsoleFilter();
    installConsoleFilter();
    console.info('Removing old closed session:', {});
    console.info('kept');
    expect(printed).toEqual([['kept']]);
    uninstallConsoleFilter();
    console.info('Closing session:', {});
    expect(printed).toHaveLength(2);
  });

  test('prefix matching is on the first argument only', () => {
    expect(libsignalPrefix('Closing open session in favor of incoming prekey bundle')).toBe('Closing open session in favor of incoming prekey bundle');
    expect(libsignalPrefix('user text mentioning Closing session')).toBeUndefined();
    expect(libsignalPrefix({ msg: 'Closing session' })).toBeUndefined();
  });
});
