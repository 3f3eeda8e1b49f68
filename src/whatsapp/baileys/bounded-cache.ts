/**
 * A small in-memory cache with a size cap (least recently used goes first) and an optional TTL,
 * expired without timers (nothing keeps the process or a test alive): a read drops its own entry
 * once expired, and each write drops expired entries from the least recently used end, so an entry
 * nobody reads again goes after its TTL instead of staying until the size cap pushes it out (as
 * Baileys' own NodeCaches purge them, @cacheable/node-cache checkperiod). It satisfies
 * Baileys' CacheStore shape (get/set/del/flushAll), so one instance per session can back the
 * msgRetryCounterCache, userDevicesCache, callOfferCache, placeholderResendCache and the signal
 * key cache, and survive reconnects instead of Baileys creating new NodeCaches per socket.
 */
export class BoundedCache<V = unknown> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs = 0,
    /** clock (tests move it) */
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get<T = V>(key: string): T | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.expires && entry.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    // refresh recency: Map keeps insertion order, the first key is the eldest
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value as unknown as T;
  }

  set<T = V>(key: string, value: T): boolean {
    const now = this.now();
    this.map.delete(key);
    this.map.set(key, { value: value as unknown as V, expires: this.ttlMs ? now + this.ttlMs : 0 });
    while (this.map.size > this.maxEntries) {
      const eldest = this.map.keys().next().value as string;
      this.map.delete(eldest);
    }
    // the eldest are the least recently used, hence mostly the first to expire; stop at a live one
    // (amortised O(1) per write; an expired entry behind it goes when reached, or when read)
    if (this.ttlMs) {
      for (const [k, e] of this.map) {
        if (e.expires > now) break;
        this.map.delete(k);
      }
    }
    return true;
  }

  del(key: string): boolean {
    return this.map.delete(key);
  }

  flushAll(): void {
    this.map.clear();
  }

  values(): V[] {
    return [...this.map.values()].map((e) => e.value);
  }
}
