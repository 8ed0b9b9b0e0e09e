import { iso } from '../domain/time.js';
import type { AuthFailure, AuthFailureReason, AuthFailureWindow, KeyUse, KeyUsesWritten } from '../domain/usage.js';
import type { RefusalKind, RefusalSink, RefusalVerdict } from '../domain/refusal-ports.js';

/**
 * The in-memory write-behind buffer of the integration API (docs/integration.md): uses and failed
 * attempts are coalesced here and written in batches through the domain's rules (`services.usage`),
 * never one write per request.
 */
export interface UsageWriter {
  /** The domain's clock. */
  now(): Date;
  recordKeyUses(uses: readonly KeyUse[]): Promise<KeyUsesWritten>;
  recordAuthFailures(windows: readonly AuthFailureWindow[]): Promise<number>;
}

export interface UsageRecorderOptions {
  /** A key is written at most once per this many ms (its first use is written at the next flush). */
  minWriteSpacingMs?: number;
  /** Length of one aggregated failed-authentication window. */
  failureWindowMs?: number;
  /** Bounds on memory: beyond these, new keys / failure windows are dropped (counted) or pooled. */
  maxPendingKeys?: number;
  maxFailureWindows?: number;
  /**
   * `auth.failed` records per flush. Beyond it, the smallest windows are merged into one record, so an
   * attack from thousands of addresses cannot bury the security channel under one post per address.
   */
  maxFailureRecordsPerFlush?: number;
  /**
   * Keys per write. On SQLite every query shares one connection, so a verify waits for the write in
   * progress: small writes keep that wait to a few milliseconds.
   */
  batchSize?: number;
}

export interface FlushResult extends KeyUsesWritten {
  failureRecords: number;
}

interface PendingUse {
  atMs: number;
  clientAddress: string | null;
  usedBefore: boolean;
}

/** Failures from more distinct (endpoint, key, client) triples than memory allows share this bucket. */
const OVERFLOW_CLIENT = 'other';

/**
 * Coalesces uses and failures in memory. `flush()` writes keys whose pending use is newer than what
 * this process last wrote and whose last write is at least `minWriteSpacingMs` old; `flush({ all: true })`
 * (on stop) writes everything. With a flush every 10 s and a 50 s spacing, a key in constant use is
 * written about once a minute and its stored last use is never more than about a minute behind.
 */
const bucketOf = (window: Pick<AuthFailureWindow, 'endpoint' | 'keyId' | 'clientAddress' | 'refusal'>): string =>
  window.refusal === undefined
    ? `${window.endpoint}\u0000${window.keyId ?? ''}\u0000${window.clientAddress}`
    : `refusal\u0000${window.refusal.action}\u0000${window.refusal.actorId}\u0000${window.refusal.attempted}`;

export class UsageRecorder implements RefusalSink {
  readonly #usage: UsageWriter;
  readonly #spacingMs: number;
  readonly #failureWindowMs: number;
  readonly #maxPending: number;
  readonly #maxFailureWindows: number;
  readonly #maxFailureRecords: number;
  readonly #batchSize: number;
  readonly #pending = new Map<string, PendingUse>();
  readonly #lastWrittenMs = new Map<string, number>();
  readonly #failures = new Map<string, AuthFailureWindow & { startMs: number }>();
  #flushing: Promise<FlushResult> | undefined;
  /** Uses that could not be kept because too many keys were pending (a metric, never expected). */
  droppedUses = 0;

  constructor(usage: UsageWriter, options: UsageRecorderOptions = {}) {
    this.#usage = usage;
    this.#spacingMs = options.minWriteSpacingMs ?? 50_000;
    this.#failureWindowMs = options.failureWindowMs ?? 60_000;
    this.#maxPending = options.maxPendingKeys ?? 200_000;
    this.#maxFailureWindows = options.maxFailureWindows ?? 10_000;
    this.#maxFailureRecords = Math.max(2, options.maxFailureRecordsPerFlush ?? 20);
    this.#batchSize = options.batchSize ?? 200;
  }

  get pendingKeys(): number {
    return this.#pending.size;
  }

  get pendingFailureWindows(): number {
    return this.#failures.size;
  }

  /**
   * O(1), no I/O: called on the request path after a successful login or verify. `usedBefore`: the key
   * as read for this request already had a last use (see KeyUse).
   */
  recordUse(keyId: string, clientAddress: string | null, usedBefore: boolean): void {
    const atMs = this.#usage.now().getTime();
    const earlier = this.#pending.get(keyId);
    if (earlier === undefined) {
      if (this.#pending.size >= this.#maxPending) {
        this.droppedUses += 1;
        return;
      }
      this.#pending.set(keyId, { atMs, clientAddress, usedBefore });
      return;
    }
    earlier.usedBefore ||= usedBefore;
    if (earlier.atMs <= atMs) {
      earlier.atMs = atMs;
      earlier.clientAddress = clientAddress;
    }
  }

  /** O(1), no I/O: aggregated per (endpoint, key ID, client) and window. */
  recordFailure(failure: AuthFailure): void {
    const nowMs = this.#usage.now().getTime();
    let bucketKey = bucketOf(failure);
    let keyId = failure.keyId;
    let clientAddress = failure.clientAddress;
    if (!this.#failures.has(bucketKey) && this.#failures.size >= this.#maxFailureWindows) {
      bucketKey = `${failure.endpoint}\u0000\u0000${OVERFLOW_CLIENT}`;
      keyId = null;
      clientAddress = OVERFLOW_CLIENT;
    }
    let window = this.#failures.get(bucketKey);
    if (window === undefined) {
      const at = iso(new Date(nowMs));
      window = { endpoint: failure.endpoint, keyId, clientAddress, firstAt: at, lastAt: at, count: 0, reasons: {}, startMs: nowMs };
      this.#failures.set(bucketKey, window);
    }
    window.count += 1;
    window.lastAt = iso(new Date(Math.max(nowMs, Date.parse(window.lastAt))));
    window.reasons[failure.reason] = (window.reasons[failure.reason] ?? 0) + 1;
  }

  /**
   * O(1), no I/O. The first refusal of an (actor, action, attempt) window is for the caller to write at
   * once; the rest are counted here and written as one record when the window closes (at the latest at
   * stop). With memory full, every refusal is written at once (bounded by the windows already held).
   */
  recordRefusal(refusal: RefusalKind): RefusalVerdict {
    const nowMs = this.#usage.now().getTime();
    const bucketKey = bucketOf({ endpoint: '', keyId: null, clientAddress: '', refusal });
    const window = this.#failures.get(bucketKey);
    if (window === undefined) {
      if (this.#failures.size >= this.#maxFailureWindows) return 'write_now';
      const at = iso(new Date(nowMs));
      // Count 0: the first one is the caller's record. A window that stays at 0 is dropped at close.
      this.#failures.set(bucketKey, {
        endpoint: 'slack',
        keyId: null,
        clientAddress: refusal.actorId,
        firstAt: at,
        lastAt: at,
        count: 0,
        reasons: {},
        refusal,
        startMs: nowMs,
      });
      return 'write_now';
    }
    if (window.count === 0) window.firstAt = iso(new Date(nowMs));
    window.count += 1;
    window.lastAt = iso(new Date(Math.max(nowMs, Date.parse(window.lastAt))));
    return 'aggregated';
  }

  /** Writes what is due; concurrent calls share one flush so writes never overlap. */
  flush(options: { all?: boolean } = {}): Promise<FlushResult> {
    const previous = this.#flushing ?? Promise.resolve(undefined);
    // The previous flush's failure belongs to its own caller (who awaits it); here it only orders the writes.
    const next = previous.catch(() => undefined).then(() => this.#flushOnce(options.all === true));
    this.#flushing = next;
    return next.finally(() => {
      if (this.#flushing === next) this.#flushing = undefined;
    });
  }

  async #flushOnce(all: boolean): Promise<FlushResult> {
    const nowMs = this.#usage.now().getTime();
    const due: KeyUse[] = [];
    for (const [keyId, use] of this.#pending) {
      const lastWritten = this.#lastWrittenMs.get(keyId);
      if (!all && lastWritten !== undefined && nowMs - lastWritten < this.#spacingMs) continue;
      due.push({ keyId, at: iso(new Date(use.atMs)), clientAddress: use.clientAddress, usedBefore: use.usedBefore });
      this.#pending.delete(keyId);
    }
    // Forget spacing older than the spacing itself, so this map stays as small as the set of busy keys.
    for (const [keyId, at] of this.#lastWrittenMs) if (nowMs - at >= this.#spacingMs) this.#lastWrittenMs.delete(keyId);

    const result: FlushResult = { written: 0, firstUses: 0, failureRecords: 0 };
    for (let start = 0; start < due.length; start += this.#batchSize) {
      const batch = due.slice(start, start + this.#batchSize);
      try {
        const written = await this.#usage.recordKeyUses(batch);
        result.written += written.written;
        result.firstUses += written.firstUses;
        for (const use of batch) this.#lastWrittenMs.set(use.keyId, nowMs);
      } catch (error) {
        // Nothing is lost: the uses go back (keeping any newer one recorded meanwhile) for the next flush.
        for (const rest of due.slice(start)) this.#restore(rest);
        throw error;
      }
    }

    const closed: AuthFailureWindow[] = [];
    const refusals: AuthFailureWindow[] = [];
    for (const [bucketKey, window] of this.#failures) {
      if (!all && nowMs - window.startMs < this.#failureWindowMs) continue;
      const { startMs: _startMs, ...record } = window;
      this.#failures.delete(bucketKey);
      // Refusal windows are per signed-in actor, so there are few; they are never merged across actors.
      if (record.refusal === undefined) closed.push(record);
      else if (record.count > 0) refusals.push(record);
    }
    const windows = [...this.#capRecords(closed), ...refusals];
    if (windows.length > 0) {
      try {
        result.failureRecords = await this.#usage.recordAuthFailures(windows);
      } catch (error) {
        for (const window of windows) this.#restoreFailures(window);
        throw error;
      }
    }
    return result;
  }

  /** The biggest windows as they are, the rest merged into one record that says how many it holds. */
  #capRecords(windows: AuthFailureWindow[]): AuthFailureWindow[] {
    if (windows.length <= this.#maxFailureRecords) return windows;
    const sorted = [...windows].sort((a, b) => b.count - a.count);
    const kept = sorted.slice(0, this.#maxFailureRecords - 1);
    const rest = sorted.slice(this.#maxFailureRecords - 1);
    const merged: AuthFailureWindow = {
      endpoint: '',
      keyId: null,
      clientAddress: OVERFLOW_CLIENT,
      firstAt: '',
      lastAt: '',
      count: 0,
      reasons: {},
      windows: 0,
    };
    const endpoints = new Set<string>();
    for (const window of rest) {
      endpoints.add(window.endpoint);
      merged.count += window.count;
      merged.windows = (merged.windows ?? 0) + (window.windows ?? 1);
      if (merged.firstAt === '' || window.firstAt < merged.firstAt) merged.firstAt = window.firstAt;
      if (window.lastAt > merged.lastAt) merged.lastAt = window.lastAt;
      for (const [reason, n] of Object.entries(window.reasons) as Array<[AuthFailureReason, number]>)
        merged.reasons[reason] = (merged.reasons[reason] ?? 0) + n;
    }
    merged.endpoint = [...endpoints].sort().join(',');
    return [...kept, merged];
  }

  #restoreFailures(window: AuthFailureWindow): void {
    const bucketKey = bucketOf(window);
    const newer = this.#failures.get(bucketKey);
    if (newer === undefined) {
      this.#failures.set(bucketKey, { ...window, startMs: Date.parse(window.firstAt) });
      return;
    }
    // Failures recorded while the write was failing join the older window, so the count stays exact.
    newer.count += window.count;
    newer.windows = (newer.windows ?? 1) + (window.windows ?? 1);
    newer.firstAt = window.firstAt;
    newer.startMs = Date.parse(window.firstAt);
    for (const [reason, n] of Object.entries(window.reasons) as Array<[AuthFailureReason, number]>)
      newer.reasons[reason] = (newer.reasons[reason] ?? 0) + n;
  }

  #restore(use: KeyUse): void {
    const atMs = Date.parse(use.at);
    const newer = this.#pending.get(use.keyId);
    if (newer === undefined) this.#pending.set(use.keyId, { atMs, clientAddress: use.clientAddress, usedBefore: use.usedBefore });
    else if (newer.atMs < atMs) Object.assign(newer, { atMs, clientAddress: use.clientAddress });
  }
}
