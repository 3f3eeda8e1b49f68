import { ConfigError, loadConfig } from '../../src/shared/config';
import { ignoreJidPredicate } from '../../src/whatsapp/baileys/ignore-jids';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';

let baileys: Baileys;
beforeAll(async () => {
  baileys = await loadBaileys();
});

const STATUS = 'status@broadcast';
const LIST = '1700000000@broadcast'; // a broadcast list
const CHANNEL = '120363000000000001@newsletter';
const PEOPLE = ['5511988887777@s.whatsapp.net', '204000000000001@lid', '120363000000000002@g.us', 's.whatsapp.net'];

describe('WA_IGNORE_JIDS', () => {
  it('ignores status stories and channels by default (empty means the default too)', () => {
    expect(loadConfig({}).WA_IGNORE_JIDS).toEqual(['status', 'newsletter']);
    expect(loadConfig({ WA_IGNORE_JIDS: '' }).WA_IGNORE_JIDS).toEqual(['status', 'newsletter']);
  });

  it('takes a comma list in any case and spacing; none ignores nothing', () => {
    expect(loadConfig({ WA_IGNORE_JIDS: ' Newsletter , STATUS,newsletter' }).WA_IGNORE_JIDS).toEqual(['newsletter', 'status']);
    expect(loadConfig({ WA_IGNORE_JIDS: 'broadcast' }).WA_IGNORE_JIDS).toEqual(['broadcast']);
    expect(loadConfig({ WA_IGNORE_JIDS: 'none' }).WA_IGNORE_JIDS).toEqual([]);
  });

  it('names the variable and the unknown kind', () => {
    let err: unknown;
    try {
      loadConfig({ WA_IGNORE_JIDS: 'status,groups' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('WA_IGNORE_JIDS');
    expect((err as ConfigError).message).toMatch(/unknown kind groups.*status, newsletter, broadcast/);
  });
});

describe('ignoreJidPredicate (Baileys shouldIgnoreJid)', () => {
  it('default: status@broadcast and @newsletter only; people, groups and broadcast lists pass', () => {
    const ignore = ignoreJidPredicate(baileys, loadConfig({}).WA_IGNORE_JIDS);
    expect(ignore(STATUS)).toBe(true);
    expect(ignore(CHANNEL)).toBe(true);
    for (const jid of [...PEOPLE, LIST]) expect(ignore(jid)).toBe(false);
  });

  it('broadcast: every @broadcast (status included), not channels', () => {
    const ignore = ignoreJidPredicate(baileys, ['broadcast']);
    expect([ignore(STATUS), ignore(LIST), ignore(CHANNEL)]).toEqual([true, true, false]);
  });

  it('none: nothing is ignored', () => {
    const ignore = ignoreJidPredicate(baileys, []);
    for (const jid of [STATUS, LIST, CHANNEL, ...PEOPLE]) expect(ignore(jid)).toBe(false);
  });
});
