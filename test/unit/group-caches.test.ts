import type { GroupMetadata } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import { BoundedCache } from '../../src/whatsapp/baileys/bounded-cache';
import { dropStaleGroups, GroupListCache } from '../../src/whatsapp/baileys/group-caches';

const group = (id: string, subject: string): GroupMetadata => ({ id, subject, owner: undefined, participants: [{ id: '5511900000001@s.whatsapp.net', admin: null }], size: 1 });

function caches() {
  const c = { groups: new BoundedCache<GroupMetadata>(10, 60_000), groupList: new GroupListCache(60_000) };
  const list = [group('1@g.us', 'A'), group('2@g.us', 'B')];
  c.groupList.set(list);
  for (const g of list) c.groups.set(g.id, g);
  return c;
}

describe('group caches', () => {
  it("keep the list on the participating fetch's own groups.update echo (as the event buffer copies it)", () => {
    const c = caches();
    dropStaleGroups(c, { 'groups.update': c.groupList.get()!.map((g) => Object.assign({}, g)) });
    expect(c.groupList.get()?.map((g) => g.subject)).toEqual(['A', 'B']);
    expect(c.groups.get('1@g.us')?.subject).toBe('A');
  });

  it('drop the list and that group on a real change (subject), on membership and on joining', () => {
    const c = caches();
    dropStaleGroups(c, { 'groups.update': [{ id: '1@g.us', subject: 'A2' }] });
    expect(c.groupList.get()).toBeUndefined();
    expect(c.groups.get('1@g.us')).toBeUndefined();
    expect(c.groups.get('2@g.us')?.subject).toBe('B');

    const d = caches();
    dropStaleGroups(d, { 'group-participants.update': { id: '2@g.us', author: 'x', participants: [], action: 'add' } });
    expect(d.groupList.get()).toBeUndefined();
    expect(d.groups.get('2@g.us')).toBeUndefined();

    const e = caches();
    dropStaleGroups(e, { 'groups.upsert': [group('3@g.us', 'C')] });
    expect(e.groupList.get()).toBeUndefined();
  });

  it('an echo counts once: the same update again is a change', () => {
    const c = caches();
    const echo = { ...c.groupList.get()![0] };
    dropStaleGroups(c, { 'groups.update': [echo] });
    expect(c.groupList.get()).toBeDefined();
    dropStaleGroups(c, { 'groups.update': [echo] });
    expect(c.groupList.get()).toBeUndefined();
  });
});
