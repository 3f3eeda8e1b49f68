import type { Redis } from 'ioredis';
import { NumberChecker } from '../../src/whatsapp/numbers/number-check';
import { lookupNumbers, UsyncSocket } from '../../src/whatsapp/baileys/number-lookup';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';
import type { NumberLookup } from '../../src/whatsapp/types';

/** The two Redis calls the checker makes (mget, multi().set().exec()), in memory. */
function memoryRedis(): Redis & { store: Map<string, string> } {
  const store = new Map<string, string>();
  const fake = {
    store,
    mget: async (...keys: string[]) => keys.map((k) => store.get(k) ?? null),
    multi: () => {
      const ops: Array<[string, string]> = [];
      const m = { set: (k: string, v: string) => (ops.push([k, v]), m), exec: async () => ops.forEach(([k, v]) => store.set(k, v)) };
      return m;
    },
  };
  return fake as unknown as Redis & { store: Map<string, string> };
}

function checker(directory: (phone: string) => NumberLookup) {
  const batches: string[][] = [];
  const session = { checkNumbers: async (phones: string[]) => (batches.push(phones), phones.map(directory)) };
  const redis = memoryRedis();
  const numbers = new NumberChecker({ redis, keys: { numberCheck: (p) => `nc:${p}` }, ttlSeconds: 60, sessions: { connectedSession: async () => session } });
  return { numbers, batches, redis };
}

describe('NumberChecker', () => {
  it('asks both forms of a Brazilian mobile, in batches of 50 one after another, and keeps the registered form', async () => {
    // a directory where the 8-digit spelling is the account (an old registration) and WhatsApp names it so
    const directory = (phone: string): NumberLookup =>
      phone === '553196853220' ? { phone, exists: true, jid: '553196853220@s.whatsapp.net', lid: '204@lid' } : { phone, exists: phone.startsWith('1') && !phone.endsWith('0000') };
    const { numbers, batches } = checker(directory);
    const inputs = ['5531996853220', ...Array.from({ length: 60 }, (_, i) => `1415555${String(i).padStart(4, '0')}`)];
    const results = await numbers.check('x', inputs);
    expect(batches.map((b) => b.length)).toEqual([50, 12]);
    expect(batches[0].slice(0, 2)).toEqual(['5531996853220', '553196853220']);
    expect(results[0]).toEqual({ input: '5531996853220', exists: true, phone: '553196853220', jid: '553196853220@s.whatsapp.net', lid: '204@lid', cached: false });
    expect(results[1]).toMatchObject({ exists: false, phone: '14155550000' });
    expect(results[2]).toMatchObject({ exists: true, phone: '14155550001', jid: '14155550001@s.whatsapp.net' });
  });

  it('asks nothing for cached answers and repeats; duplicates in one request are asked once', async () => {
    const { numbers, batches } = checker((phone) => ({ phone, exists: true }));
    await numbers.check('x', ['5511987654321', '+55 11 98765-4321']);
    expect(batches).toEqual([['5511987654321', '551187654321']]);
    const again = await numbers.check('x', ['5511987654321', '5511987654321']);
    expect(batches).toHaveLength(1);
    expect(again.map((r) => [r.input, r.phone, r.cached])).toEqual([
      ['5511987654321', '5511987654321', true],
      ['5511987654321', '5511987654321', true],
    ]);
  });
});

describe('lookupNumbers (Baileys usync contact + LID query)', () => {
  let B: Baileys;
  beforeAll(async () => {
    B = await loadBaileys();
  });

  /** A socket that answers the query it is given with these <user> nodes, parsed by Baileys itself. */
  function socket(users: Array<{ jid: string; type: 'in' | 'out'; echo?: string; lid?: string }>) {
    const stored: Array<{ lid: string; pn: string }> = [];
    const asked: string[][] = [];
    const sock: UsyncSocket = {
      executeUSyncQuery: async (query) => {
        asked.push(query.users.map((u) => String(u.phone)));
        expect(query.protocols.map((p) => p.name)).toEqual(['contact', 'lid']);
        const list = users.map((u) => ({
          tag: 'user',
          attrs: { jid: u.jid },
          content: [
            { tag: 'contact', attrs: { type: u.type }, ...(u.echo ? { content: Buffer.from(u.echo) } : {}) },
            ...(u.lid ? [{ tag: 'lid', attrs: { val: u.lid } }] : []),
          ],
        }));
        return query.parseUSyncQueryResult({ tag: 'iq', attrs: { type: 'result' }, content: [{ tag: 'usync', attrs: {}, content: [{ tag: 'list', attrs: {}, content: list as never }] }] });
      },
      signalRepository: { lidMapping: { getPNForLID: async () => null, storeLIDPNMappings: async (pairs) => void stored.push(...pairs) } },
    };
    return { sock, stored, asked };
  }

  it('asks +digits; registered -> jid and LID (stored as PN->LID mapping); out and missing -> exists false', async () => {
    const { sock, stored, asked } = socket([
      { jid: '5511988887777@s.whatsapp.net', type: 'in', lid: '204000000000001@lid' },
      { jid: '5511955554444@s.whatsapp.net', type: 'out' },
    ]);
    const res = await lookupNumbers(B, sock, ['5511988887777', '5511955554444', '551187654321']);
    expect(asked).toEqual([['+5511988887777', '+5511955554444', '+551187654321']]);
    expect(res).toEqual([
      { phone: '5511988887777', exists: true, jid: '5511988887777@s.whatsapp.net', lid: '204000000000001@lid' },
      { phone: '5511955554444', exists: false },
      { phone: '551187654321', exists: false },
    ]);
    expect(stored).toEqual([{ lid: '204000000000001@lid', pn: '5511988887777@s.whatsapp.net' }]);
  });

  it('matches an account WhatsApp names by another spelling through the echoed <contact> text', async () => {
    const { sock } = socket([{ jid: '525512345678@s.whatsapp.net', type: 'in', echo: '+5215512345678' }]);
    expect(await lookupNumbers(B, sock, ['5215512345678'])).toEqual([{ phone: '5215512345678', exists: true, jid: '525512345678@s.whatsapp.net' }]);
  });
});
