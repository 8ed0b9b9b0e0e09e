import type { AccessKey } from '../domain/model.js';
import type { KeyWithRole } from '../domain/ports.js';

/**
 * The verify hot path's key cache: `keys.findWithRoleByHash` answered from memory.
 *
 * It lives in src/db, not next to verify in src/http, because correctness depends on storage facts only
 * the store knows: which transactions committed in this process (store.ts drops the cache after every
 * write that could make a key unusable), what other processes committed (SQLite's `data_version`,
 * PostgreSQL's LISTEN/NOTIFY), and whether the change feed can be trusted right now. Callers see the
 * same `Repos` method with the same answers, only faster.
 *
 * What keeps it from ever delaying a revocation:
 * - only usable keys are kept (active and delivered): a negative answer is never cached, so a key that
 *   becomes usable is seen at once, and an undelivered key is never served from memory;
 * - expiry needs no message: the caller (verifyKey) checks `expiresAt` against its clock on every hit;
 * - every change drops the whole cache (not just one entry): simplest, and writes are rare next to
 *   verifies;
 * - a lookup that started before a change never stores what it read (the generation check), so a
 *   stale row read while a change committed cannot land in the cache after the drop;
 * - while the change feed is not trusted (PostgreSQL: not LISTENing, or its heartbeat is late) the
 *   cache is empty and bypassed;
 * - every entry lives at most `ttlMs`, the last safety net.
 *
 * Memory: an entry is about 1.7 KB (the key's and its role's fields), so a full cache is some 330 MB.
 * Expired entries are dropped by a timer (oldest first, one timer only while entries are kept), so an
 * app that stops receiving verifies holds none of that a minute later (docs/performance.md, "Memory").
 */

/**
 * What the cache knows of changes made outside this process. `epoch()` is asked on every lookup:
 * undefined = changes could be missed right now (bypass, keep nothing); a value different from the last
 * one seen = something changed, or notifications may have been missed (drop everything).
 */
export interface ChangeFeed {
  epoch(): number | undefined;
}

export interface KeyCacheOptions {
  maxEntries?: number;
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  value: KeyWithRole;
  storedAt: number;
}

export const KEY_CACHE_MAX_ENTRIES = 200_000;
export const KEY_CACHE_TTL_MS = 60_000;
const SWEEP_MIN_WAIT_MS = 1000;

export class KeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<KeyWithRole | undefined>>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #feed: ChangeFeed | undefined;
  /** Bumped by every drop; a lookup stores its result only if no drop happened meanwhile. */
  #generation = 0;
  #epoch: number | undefined;
  /** Set while entries are kept: fires when the oldest expires (unref'd, so it never holds the process). */
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: KeyCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? KEY_CACHE_MAX_ENTRIES;
    this.#ttlMs = options.ttlMs ?? KEY_CACHE_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Set once by connect(); without a feed only this process's own writes are seen (one connection, one process). */
  useFeed(feed: ChangeFeed): void {
    this.#feed = feed;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops every entry, and every lookup now in flight forgets what it read. */
  invalidate(): void {
    this.#generation += 1;
    this.#entries.clear();
    this.#inFlight.clear();
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /**
   * A hit answered synchronously (the verify route answers a cached key in the tick its body arrived,
   * with no promise in between); undefined on a miss, a stale entry or an untrusted feed, and the caller
   * goes through `lookup`. The same checks as `lookup`, so it is never staler than it.
   */
  peek(keyHash: string): KeyWithRole | undefined {
    const epoch = this.#currentEpoch();
    return epoch === undefined ? undefined : this.#fresh(keyHash);
  }

  async lookup(keyHash: string, load: (keyHash: string) => Promise<KeyWithRole | undefined>): Promise<KeyWithRole | undefined> {
    const epoch = this.#currentEpoch();
    if (epoch === undefined) return load(keyHash);
    const hit = this.#fresh(keyHash);
    if (hit !== undefined) return hit;
    // Concurrent misses for one key share one read: a key seen by many clients at once (a deploy, a
    // cold cache) costs one query, not one per request. A drop forgets the reads in flight, so nobody
    // who asks after a change is handed a read that began before it.
    const inFlight = this.#inFlight.get(keyHash);
    if (inFlight !== undefined) return inFlight;
    const read = this.#read(keyHash, epoch, load);
    this.#inFlight.set(keyHash, read);
    try {
      return await read;
    } finally {
      if (this.#inFlight.get(keyHash) === read) this.#inFlight.delete(keyHash);
    }
  }

  async #read(
    keyHash: string,
    epoch: number,
    load: (keyHash: string) => Promise<KeyWithRole | undefined>,
  ): Promise<KeyWithRole | undefined> {
    const generation = this.#generation;
    const found = await load(keyHash);
    if (found === undefined || !isUsable(found.key)) return found;
    // A drop while we read (a local write, a notification, a lost listener) makes what we read suspect.
    if (generation !== this.#generation || this.#feed?.epoch() !== epoch) return found;
    if (this.#entries.size >= this.#maxEntries) {
      // Oldest stored first (Map keeps insertion order): with a fixed lifetime, the first to expire anyway.
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(keyHash, {
      value: Object.freeze({
        key: Object.freeze({ ...found.key }),
        role: found.role === undefined ? undefined : Object.freeze({ ...found.role }),
      }),
      storedAt: this.#now(),
    });
    this.#scheduleSweep();
    return found;
  }

  /**
   * Entries are stored in time order (a key is stored only when absent), so the expired ones are at the
   * front of the Map: dropping them stops at the first live one. Then the timer waits for that one.
   */
  #sweep(): void {
    this.#sweepTimer = undefined;
    const now = this.#now();
    for (const [keyHash, entry] of this.#entries) {
      if (now - entry.storedAt < this.#ttlMs) break;
      this.#entries.delete(keyHash);
    }
    this.#scheduleSweep();
  }

  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    const oldest = this.#entries.values().next();
    if (oldest.done === true) return;
    // At least a second apart, whatever the clock does (a test's fixed clock never lets one expire).
    const wait = Math.max(SWEEP_MIN_WAIT_MS, this.#ttlMs - (this.#now() - oldest.value.storedAt));
    this.#sweepTimer = setTimeout(() => this.#sweep(), wait);
    this.#sweepTimer.unref();
  }

  /** The entry within its lifetime; an older one is dropped. */
  #fresh(keyHash: string): KeyWithRole | undefined {
    const entry = this.#entries.get(keyHash);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.storedAt < this.#ttlMs) return entry.value;
    this.#entries.delete(keyHash);
    return undefined;
  }

  #currentEpoch(): number | undefined {
    // No feed: a single process on its own connection, whose writes drop the cache themselves.
    const epoch = this.#feed === undefined ? 0 : this.#feed.epoch();
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.invalidate();
    }
    return epoch;
  }
}

/** Only keys verify would accept may be kept: never a negative answer, never an undelivered secret. */
function isUsable(key: AccessKey): boolean {
  return key.status === 'active' && key.deliveredAt !== null;
}
