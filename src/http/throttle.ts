import type { ThrottleCounters } from '../domain/throttle-ports.js';

/**
 * Failed-attempt throttling, well below 100 consecutive failures per client (NIST 800-63B, section
 * 5.2.2), in fixed windows: window n covers [n·windowMs, (n+1)·windowMs) of the clock, the same on every replica.
 *
 * Login and token failures use `SharedThrottle`: counters in the database, shared by all replicas, and
 * each attempt is *reserved* (counted) before the awaited lookup and refunded if it succeeds, so 500
 * concurrent guesses cannot all pass a check made before any of them was counted. Verify misses use the
 * in-memory `FailureCounter` (per replica): a verify must not cost a database write. It reserves too:
 * a miss is counted before the awaited lookup and refunded when the key turned out to exist.
 */
export interface ThrottleRule {
  /** Failures allowed per window; the next attempt is refused until the window ends. */
  limit: number;
  windowMs: number;
}

interface Window {
  startMs: number;
  /** Misses counted in this window, the undecided ones (`pending`) included. */
  count: number;
  /** Reserved attempts whose lookup has not answered yet: misses only if they turn out to be. */
  pending: number;
}

export class FailureCounter {
  readonly #rule: ThrottleRule;
  readonly #nowMs: () => number;
  readonly #maxEntries: number;
  readonly #windows = new Map<string, Window>();

  constructor(rule: ThrottleRule, nowMs: () => number, maxEntries = 100_000) {
    this.#rule = rule;
    this.#nowMs = nowMs;
    this.#maxEntries = maxEntries;
  }

  /** 0 when the subject may try; otherwise how long until it may. Undecided attempts count. */
  retryAfterMs(subject: string): number {
    const window = this.#windows.get(subject);
    return this.#waitFor(subject, window, window?.count ?? 0);
  }

  /**
   * 0 unless the subject has used up the window with misses that are certain. A request that needs no
   * lookup (verify's cached key) asks this: 60 lookups of valid keys still in flight from one gateway
   * (a cold cache on PostgreSQL) must not make its cached keys answer 429.
   */
  lockedForMs(subject: string): number {
    const window = this.#windows.get(subject);
    return this.#waitFor(subject, window, window === undefined ? 0 : window.count - window.pending);
  }

  /** How long `window` still refuses, once `counted` of its attempts reach the limit; an ended one is dropped. */
  #waitFor(subject: string, window: Window | undefined, counted: number): number {
    if (window === undefined || counted < this.#rule.limit) return 0;
    const left = window.startMs + this.#rule.windowMs - this.#nowMs();
    if (left > 0) return left;
    this.#windows.delete(subject);
    return 0;
  }

  fail(subject: string): void {
    this.#count(subject);
  }

  /**
   * Counts one attempt before the awaited lookup that tells whether it failed, or refuses it (undefined)
   * when the window is full: concurrent attempts each take a slot first, so no more than the limit are
   * ever judged, however long the lookups take. `refund` takes the attempt back (it was no miss);
   * `confirm` says it was one. One of the two must follow, once.
   */
  reserve(subject: string): { refund(): void; confirm(): void } | undefined {
    if (this.retryAfterMs(subject) > 0) return undefined;
    const window = this.#count(subject);
    window.pending += 1;
    let held = true;
    const settle = (miss: boolean) => {
      // Settling the attempt's own window: one that ended meanwhile is replaced by a new object (or
      // refuses nothing any more), so what this changes in it is never read again.
      if (!held) return;
      held = false;
      window.pending = Math.max(0, window.pending - 1);
      if (!miss) window.count = Math.max(0, window.count - 1);
    };
    return { refund: () => settle(false), confirm: () => settle(true) };
  }

  #count(subject: string): Window {
    const now = this.#nowMs();
    const window = this.#windows.get(subject);
    if (window !== undefined && now - window.startMs < this.#rule.windowMs) {
      window.count += 1;
      return window;
    }
    this.#windows.delete(subject);
    if (this.#windows.size >= this.#maxEntries) this.#evict(now);
    const fresh = { startMs: now, count: 1, pending: 0 };
    this.#windows.set(subject, fresh);
    return fresh;
  }

  get size(): number {
    return this.#windows.size;
  }

  #evict(now: number): void {
    for (const [subject, window] of this.#windows) if (now - window.startMs >= this.#rule.windowMs) this.#windows.delete(subject);
    // Still full: drop the oldest (Map keeps insertion order, and windows are re-inserted when renewed).
    while (this.#windows.size >= this.#maxEntries) {
      const oldest = this.#windows.keys().next();
      if (oldest.done === true) break;
      this.#windows.delete(oldest.value);
    }
  }
}

export interface Reservation {
  /** False once this attempt is over the limit: answer 429 without doing the work. */
  allowed: boolean;
  /** Until the window ends. */
  retryAfterMs: number;
  /** The attempt was no failure after all (a right secret, a genuine token): take it back. */
  refund(): Promise<void>;
}

/** What this replica knows of one subject's current window: the last count the database gave, and reservations in flight. */
interface LocalWindow {
  windowIndex: number;
  known: number;
  inFlight: number;
}

const refused = async (): Promise<void> => undefined;

export class SharedThrottle {
  readonly #scope: string;
  readonly #rule: ThrottleRule;
  readonly #counters: ThrottleCounters;
  readonly #nowMs: () => number;
  readonly #maxEntries: number;
  readonly #local = new Map<string, LocalWindow>();

  constructor(scope: string, rule: ThrottleRule, counters: ThrottleCounters, nowMs: () => number, maxEntries = 100_000) {
    this.#scope = scope;
    this.#rule = rule;
    this.#counters = counters;
    this.#nowMs = nowMs;
    this.#maxEntries = maxEntries;
  }

  /**
   * Counts one attempt for `subject` now, atomically in the database, and says whether it is within the
   * limit. The database alone decides what is allowed; this replica only refuses early, without a
   * database round trip, once the last count it saw, or its own reservations in flight, reach the
   * limit — so a burst of 500 costs about `limit` upserts, not 500 queued on one row.
   */
  async reserve(subject: string): Promise<Reservation> {
    const now = this.#nowMs();
    const { windowMs, limit } = this.#rule;
    const windowIndex = Math.floor(now / windowMs);
    const endsMs = (windowIndex + 1) * windowMs;
    const local = this.#localWindow(subject, windowIndex);
    // Either the database already said the window is full, or `limit` attempts are on their way and
    // will fill it (their sum is not taken: a known count may already include ones still in flight).
    if (local.known >= limit || local.inFlight >= limit) return { allowed: false, retryAfterMs: endsMs - now, refund: refused };
    local.inFlight += 1;
    let count: number;
    try {
      count = await this.#counters.hit(this.#scope, subject, windowIndex, endsMs);
    } finally {
      local.inFlight -= 1;
    }
    local.known = Math.max(local.known, count);
    return {
      allowed: count <= limit,
      retryAfterMs: endsMs - now,
      refund: async () => {
        await this.#counters.refund(this.#scope, subject, windowIndex);
        local.known = Math.max(0, local.known - 1);
      },
    };
  }

  /**
   * How long `subject` is still refused from what this replica last heard from the database (0 when
   * not), without counting an attempt: for callers that count only failures they can tell apart cheaply.
   */
  refusedForMs(subject: string): number {
    const now = this.#nowMs();
    const windowIndex = Math.floor(now / this.#rule.windowMs);
    const local = this.#local.get(subject);
    if (local === undefined || local.windowIndex !== windowIndex || local.known < this.#rule.limit) return 0;
    return (windowIndex + 1) * this.#rule.windowMs - now;
  }

  #localWindow(subject: string, windowIndex: number): LocalWindow {
    const existing = this.#local.get(subject);
    if (existing !== undefined && existing.windowIndex === windowIndex) return existing;
    // A new window starts from nothing; memory stays bounded (oldest entries go first when full).
    this.#local.delete(subject);
    if (this.#local.size >= this.#maxEntries) {
      const oldest = this.#local.keys().next();
      if (oldest.done !== true) this.#local.delete(oldest.value);
    }
    const fresh: LocalWindow = { windowIndex, known: 0, inFlight: 0 };
    this.#local.set(subject, fresh);
    return fresh;
  }
}

/**
 * Clients that recently logged in with a key. Key IDs are public, so a per-key-ID lock would let anyone
 * lock an integration out; the clients that proved they hold the secret keep logging in meanwhile
 * (OWASP's "device cookie" idea, keyed on the client address instead of a cookie).
 */
export class KnownClients {
  readonly #ttlMs: number;
  readonly #nowMs: () => number;
  readonly #maxEntries: number;
  readonly #seen = new Map<string, number>();

  constructor(ttlMs: number, nowMs: () => number, maxEntries = 100_000) {
    this.#ttlMs = ttlMs;
    this.#nowMs = nowMs;
    this.#maxEntries = maxEntries;
  }

  remember(keyId: string, client: string): void {
    const subject = `${keyId}\u0000${client}`;
    this.#seen.delete(subject);
    if (this.#seen.size >= this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
    this.#seen.set(subject, this.#nowMs());
  }

  knows(keyId: string, client: string): boolean {
    const at = this.#seen.get(`${keyId}\u0000${client}`);
    return at !== undefined && this.#nowMs() - at < this.#ttlMs;
  }
}

/** Retry-After in whole seconds, at least 1 (RFC 9110, section 10.2.3). */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
