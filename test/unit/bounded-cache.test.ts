import { BoundedCache } from '../../src/whatsapp/baileys/bounded-cache';

describe('BoundedCache', () => {
  it('drops the least recently used entry past the size cap', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('answers nothing for an entry past its TTL', () => {
    let now = 1_000;
    const cache = new BoundedCache<number>(10, 100, () => now);
    cache.set('a', 1);
    now += 99;
    expect(cache.get('a')).toBe(1);
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('lets expired entries go on the next write although nobody reads them', () => {
    let now = 1_000;
    const cache = new BoundedCache<number>(1_000, 100, () => now);
    for (let i = 0; i < 500; i++) cache.set(`old-${i}`, i);
    now += 100;
    cache.set('new', 1);
    expect(cache.size).toBe(1);
    expect(cache.values()).toEqual([1]);
  });

  it('keeps entries without a TTL until the size cap', () => {
    let now = 1_000;
    const cache = new BoundedCache<number>(3, 0, () => now);
    cache.set('a', 1);
    now += 10 ** 9;
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
  });
});
