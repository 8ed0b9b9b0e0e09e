import { iso } from '../domain/time.js';
import type { AuthFailure, AuthFailureReason, AuthFailureWindow, KeyUse, KeyUsesWritten } from '../domain/usage.js';
import type { RefusalKind, RefusalSink, RefusalVerdict } from '../domain/refusal-ports.js';
import { HOUR_MS, OTHER_LABEL, usageNetwork, type UsageCell, type UsageOutcome } from '../domain/usage-counts.js';

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
  /** Adds per-key hourly counters (SPEC §15); replicas add up in the store. */
  recordUsageCounts(cells: readonly UsageCell[]): Promise<void>;
  /** Tells usage anomalies in counters just written (once per key, kind and day); returns how many. */
  checkUsageAnomalies(cells: readonly UsageCell[]): Promise<number>;
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
  /**
   * Bound on the hourly counters held between flushes (docs/usage-analytics.md, "Memory"): at most this
   * many (key, hour, dimension, label, outcome) cells, plus as many again waiting for a failed write to
   * be retried. Uses beyond it are dropped and counted in `droppedCounts`.
   */
  maxCountCells?: number;
  /** Distinct networks, and distinct tags, per key between two flushes (default 50); more are counted as `(other)`. */
  maxLabelsPerKey?: number;
  /** false: no per-key hourly counters at all (`bench:verify` measures verify with counting on and off). */
  counting?: boolean;
}

export interface FlushResult extends KeyUsesWritten {
  failureRecords: number;
  /** Counter cells written (each adds to one row). */
  countCells: number;
  /** Usage anomalies told to owners in this flush. */
  anomalies: number;
  /**
   * Set when checking for anomalies failed: the counters are written and stay so (a retry would count
   * them twice), so the failure is reported here for the caller to log, and the next flush checks again.
   */
  anomalyError?: unknown;
}

/** One key's counts for one hour, as they arrive between two flushes. */
interface KeyTally {
  hour: number;
  /** outcome → uses */
  all: Map<UsageOutcome, number>;
  /** label → outcome → uses */
  network: Map<string, Map<UsageOutcome, number>>;
  tag: Map<string, Map<UsageOutcome, number>>;
}

interface PendingUse {
  atMs: number;
  clientAddress: string | null;
  usedBefore: boolean;
}

/** Counter cells per write: one transaction of a few multi-row upserts. */
const COUNT_CELLS_PER_WRITE = 2000;

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
  readonly #maxCells: number;
  readonly #maxLabels: number;
  readonly #counting: boolean;
  readonly #tallies = new Map<string, KeyTally>();
  /** Tallies of hours that ended before their key's next use, waiting for the next flush. */
  #sealed: Array<[string, KeyTally]> = [];
  #cells = 0;
  /** Cells whose write failed, retried first at the next flush (at most `maxCountCells`). */
  #retryCells: UsageCell[] = [];
  /** Address → network, so a busy caller's network is worked out once (cleared when full). */
  readonly #networks = new Map<string, string>();
  /** Uses that could not be kept because too many keys were pending (a metric, never expected). */
  droppedUses = 0;
  /** Counter increments dropped because the count buffer was full (a flood of distinct tags/networks). */
  droppedCounts = 0;

  constructor(usage: UsageWriter, options: UsageRecorderOptions = {}) {
    this.#usage = usage;
    this.#spacingMs = options.minWriteSpacingMs ?? 50_000;
    this.#failureWindowMs = options.failureWindowMs ?? 60_000;
    this.#maxPending = options.maxPendingKeys ?? 200_000;
    this.#maxFailureWindows = options.maxFailureWindows ?? 10_000;
    this.#maxFailureRecords = Math.max(2, options.maxFailureRecordsPerFlush ?? 20);
    this.#batchSize = options.batchSize ?? 200;
    this.#maxCells = options.maxCountCells ?? 50_000;
    this.#maxLabels = options.maxLabelsPerKey ?? 50;
    this.#counting = options.counting ?? true;
  }

  /** Counter cells held in memory now (tallies and retries): never more than twice `maxCountCells`. */
  get pendingCountCells(): number {
    return this.#cells + this.#retryCells.length;
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
  recordUse(keyId: string, clientAddress: string | null, usedBefore: boolean, tags?: readonly string[]): void {
    const atMs = this.#usage.now().getTime();
    this.#count(keyId, atMs, clientAddress, 'valid', tags);
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

  /**
   * O(tags), no I/O: a refused use of a known key, counted by outcome (its reason: `inactive`,
   * `expired`, …) for the key's usage report. Unknown keys are not counted per key.
   */
  recordDenial(keyId: string, clientAddress: string | null, outcome: UsageOutcome, tags?: readonly string[]): void {
    this.#count(keyId, this.#usage.now().getTime(), clientAddress, outcome, tags);
  }

  #count(keyId: string, atMs: number, clientAddress: string | null, outcome: UsageOutcome, tags: readonly string[] | undefined): void {
    if (!this.#counting) return;
    const hour = Math.floor(atMs / HOUR_MS);
    let tally = this.#tallies.get(keyId);
    if (tally !== undefined && tally.hour < hour) {
      this.#sealed.push([keyId, tally]);
      tally = undefined;
    }
    if (tally === undefined) {
      tally = { hour, all: new Map(), network: new Map(), tag: new Map() };
      this.#tallies.set(keyId, tally);
    }
    this.#bump(tally.all, outcome);
    this.#bumpLabel(tally.network, this.#networkOf(clientAddress), outcome);
    if (tags !== undefined) for (const tag of tags) this.#bumpLabel(tally.tag, tag, outcome);
  }

  #networkOf(address: string | null): string {
    if (address === null) return 'unknown';
    let network = this.#networks.get(address);
    if (network === undefined) {
      if (this.#networks.size >= 4096) this.#networks.clear();
      network = usageNetwork(address);
      this.#networks.set(address, network);
    }
    return network;
  }

  #bump(map: Map<string, number>, cell: string): boolean {
    const count = map.get(cell);
    if (count !== undefined) {
      map.set(cell, count + 1);
      return true;
    }
    if (this.#cells >= this.#maxCells) {
      this.droppedCounts += 1;
      return false;
    }
    map.set(cell, 1);
    this.#cells += 1;
    return true;
  }

  #bumpLabel(labels: Map<string, Map<UsageOutcome, number>>, label: string, outcome: UsageOutcome): void {
    let outcomes = labels.get(label);
    if (outcomes === undefined) {
      // Beyond the key's allowance of distinct labels, they are counted together.
      const name = labels.size < this.#maxLabels ? label : OTHER_LABEL;
      outcomes = labels.get(name);
      if (outcomes === undefined) {
        outcomes = new Map();
        labels.set(name, outcomes);
      }
    }
    this.#bump(outcomes, outcome);
  }

  /** Takes every tally (and cells waiting for a retry) out of memory as cells to write. */
  #takeCells(): UsageCell[] {
    const cells = this.#retryCells;
    this.#retryCells = [];
    const push = (keyId: string, tally: KeyTally) => {
      for (const [outcome, count] of tally.all) cells.push({ keyId, hour: tally.hour, dimension: 'all', label: '', outcome, count });
      for (const dimension of ['network', 'tag'] as const) {
        for (const [label, outcomes] of tally[dimension])
          for (const [outcome, count] of outcomes) cells.push({ keyId, hour: tally.hour, dimension, label, outcome, count });
      }
    };
    for (const [keyId, tally] of this.#sealed) push(keyId, tally);
    for (const [keyId, tally] of this.#tallies) push(keyId, tally);
    this.#sealed = [];
    this.#tallies.clear();
    this.#cells = 0;
    return cells;
  }

  async #flushCounts(): Promise<UsageCell[]> {
    const cells = this.#takeCells();
    for (let start = 0; start < cells.length; start += COUNT_CELLS_PER_WRITE) {
      try {
        await this.#usage.recordUsageCounts(cells.slice(start, start + COUNT_CELLS_PER_WRITE));
      } catch (error) {
        // Kept for the next flush (bounded: the oldest beyond the bound are dropped and counted).
        const rest = cells.slice(start);
        const over = Math.max(0, rest.length - this.#maxCells);
        for (const cell of rest.slice(0, over)) this.droppedCounts += cell.count;
        this.#retryCells = rest.slice(over);
        throw error;
      }
    }
    return cells;
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

    const result: FlushResult = { written: 0, firstUses: 0, failureRecords: 0, countCells: 0, anomalies: 0 };
    // Counters first: they are cheap upserts, and a failure here leaves last-used times for the retry too.
    const cells = await this.#flushCounts().catch((error: unknown) => {
      for (const use of due) this.#restore(use);
      throw error;
    });
    result.countCells = cells.length;
    // Before last-used times move: a use after 30 days idle is judged against the last use before it.
    if (cells.length > 0) {
      try {
        result.anomalies = await this.#usage.checkUsageAnomalies(cells);
      } catch (error) {
        result.anomalyError = error;
      }
    }
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
