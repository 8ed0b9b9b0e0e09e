import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import { auditOf } from './keys.js';
import type { AuditAction, AuditEvent } from './model.js';
import { iso } from './time.js';

/**
 * Last-used tracking and aggregated failed-authentication audit for the integration API (docs/http-api.md).
 * Nothing here writes on the request path: uses and failures are coalesced in memory
 * and written by a flusher, so a verify costs one indexed read and no write.
 */

/** Who acted in an `auth.failed` record: an unauthenticated caller of the HTTP API. */
export const API_ACTOR = 'api';

export interface KeyUse {
  keyId: string;
  /** ISO-8601 UTC. */
  at: string;
  clientAddress: string | null;
  /**
   * The key already showed a last use when it was read for this request. Last used is never cleared, so
   * such a key cannot be on its first use and takes the cheap batched path; when false (or unknown) the
   * flush checks and audits a first use.
   */
  usedBefore: boolean;
}

export interface KeyUsesWritten {
  /** Keys whose last use moved forward. */
  written: number;
  /** Of those, keys used for the first time (each audited as `key.first_used`). */
  firstUses: number;
}

/**
 * Writes coalesced uses. Keys used before are moved forward in one statement; the others one by one, so
 * that a key's first use is audited in the same transaction that sets it from "never". Last used only
 * moves forward either way (the repository guards it in SQL).
 */
export async function recordKeyUses(deps: DomainDeps, uses: readonly KeyUse[]): Promise<KeyUsesWritten> {
  const usedBefore = uses.filter((use) => use.usedBefore);
  const maybeFirst = uses.filter((use) => !use.usedBefore);
  // Last-used times of keys used before cannot make a key unusable: the key cache is kept.
  let written = usedBefore.length === 0 ? 0 : await deps.store.write((tx) => tx.touchUsedKeysLastUsed(usedBefore), { cannotRevokeKeys: true });
  let firstUses = 0;
  if (maybeFirst.length > 0) {
    const more = await deps.store.write(async (tx) => {
      let moved = 0;
      let first = 0;
      for (const use of maybeFirst) {
        const outcome = await tx.touchKeyLastUsed(use.keyId, use.at, use.clientAddress);
        if (outcome === 'unchanged') continue;
        moved += 1;
        if (outcome !== 'first') continue;
        const key = await tx.findKeyById(use.keyId);
        if (key === undefined) continue;
        first += 1;
        const role = await tx.findRoleById(key.roleId);
        // The key acted (an integration holding it), so it is the actor; no person is involved.
        // Stamped when written, like every record, so `at` never runs backwards against `seq`; the use's own time is a detail.
        await appendAudit(tx, auditOf(key.id, 'key.first_used', key, role, { clientAddress: use.clientAddress, usedAt: use.at }), deps.now());
      }
      return { moved, first };
      // Not spared, although no key becomes unusable: the key cache would keep showing these keys as
      // never used, sending them down this slow path at every flush. Dropped once per key's first use.
    });
    written += more.moved;
    firstUses = more.first;
  }
  return { written, firstUses };
}

export type AuthFailureReason = 'malformed' | 'not_found' | 'inactive' | 'expired' | 'mismatch' | 'invalid_token';

export interface AuthFailure {
  endpoint: string;
  /** The key ID the caller claimed (login) or the token named (extend); null when there is none. */
  keyId: string | null;
  clientAddress: string;
  reason: AuthFailureReason;
}

export interface AuthFailureWindow {
  endpoint: string;
  keyId: string | null;
  clientAddress: string;
  firstAt: string;
  lastAt: string;
  count: number;
  reasons: Partial<Record<AuthFailureReason, number>>;
  /** Set on a record that stands for several windows (see `maxFailureRecordsPerFlush`). */
  windows?: number;
  /** Set when the window counts refused Slack actions (see `recordRefusal`) rather than failed API logins. */
  refusal?: RefusalKind;
}

/**
 * A refused attempt by a signed-in Slack user, such as a non-admin pressing Approve. Refusals go through
 * the same windows as failed authentications: one audit record per (actor, action, attempt) and minute,
 * with a count, so a burst of forged presses cannot flood the audit log and the security channel.
 */
export interface RefusalKind {
  actorId: string;
  action: AuditAction;
  /** What was attempted ('approve', 'deny'): each kind gets its own window, seen at once. */
  attempted: string;
  /** Facts of the first refusal in the window (e.g. the request ID); never a secret. */
  details: Record<string, string | number | boolean | null>;
}

/**
 * What a caller does with a refusal. `write_now`: the first in its window, audited at once by the
 * caller (count 1), so the security channel hears of an attempt without waiting a minute;
 * `aggregated`: counted in the window, written as one record when the window closes.
 */
export type RefusalVerdict = 'write_now' | 'aggregated';

/** Where the domain hands refusals (the UsageRecorder); without one, each refusal is written at once. */
export interface RefusalSink {
  recordRefusal(refusal: RefusalKind): RefusalVerdict;
}

/** One `auth.failed` record per window (key ID, client, endpoint, minute), with counts — never the secret. */
export async function recordAuthFailures(deps: DomainDeps, windows: readonly AuthFailureWindow[]): Promise<number> {
  if (windows.length === 0) return 0;
  return deps.store.write(async (tx) => {
    for (const window of windows) {
      const reasons = Object.entries(window.reasons)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([reason, n]) => `${reason}:${n}`)
        .join(',');
      const details = {
        endpoint: window.endpoint,
        clientAddress: window.clientAddress,
        count: window.count,
        firstAt: window.firstAt,
        lastAt: window.lastAt,
        reasons,
        ...(window.windows === undefined ? {} : { windows: window.windows }),
      };
      if (window.refusal !== undefined) {
        const { actorId, action, attempted, details: first } = window.refusal;
        // The first refusal of the window was written on its own when it happened; this counts the rest.
        await appendAudit(tx, { actorId, action, details: { ...first, attempted, count: window.count, firstAt: window.firstAt, lastAt: window.lastAt, aggregated: true } }, deps.now());
        continue;
      }
      const key = window.keyId === null ? undefined : await tx.findKeyById(window.keyId);
      const event: AuditEvent =
        key === undefined
          ? { actorId: API_ACTOR, action: 'auth.failed', keyId: window.keyId, details }
          : { ...auditOf(API_ACTOR, 'auth.failed', key, await tx.findRoleById(key.roleId), details) };
      await appendAudit(tx, event, deps.now());
    }
    return windows.length;
    // Audit records of failures only: no key changes, so the key cache is kept.
  }, { cannotRevokeKeys: true });
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
  readonly #deps: DomainDeps;
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

  constructor(deps: DomainDeps, options: UsageRecorderOptions = {}) {
    this.#deps = deps;
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
    const atMs = this.#deps.now().getTime();
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
    const nowMs = this.#deps.now().getTime();
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
    const nowMs = this.#deps.now().getTime();
    const bucketKey = bucketOf({ endpoint: '', keyId: null, clientAddress: '', refusal });
    const window = this.#failures.get(bucketKey);
    if (window === undefined) {
      if (this.#failures.size >= this.#maxFailureWindows) return 'write_now';
      const at = iso(new Date(nowMs));
      // Count 0: the first one is the caller's record. A window that stays at 0 is dropped at close.
      this.#failures.set(bucketKey, { endpoint: 'slack', keyId: null, clientAddress: refusal.actorId, firstAt: at, lastAt: at, count: 0, reasons: {}, refusal, startMs: nowMs });
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
    const nowMs = this.#deps.now().getTime();
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
        const written = await recordKeyUses(this.#deps, batch);
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
        result.failureRecords = await recordAuthFailures(this.#deps, windows);
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
    const merged: AuthFailureWindow = { endpoint: '', keyId: null, clientAddress: OVERFLOW_CLIENT, firstAt: '', lastAt: '', count: 0, reasons: {}, windows: 0 };
    const endpoints = new Set<string>();
    for (const window of rest) {
      endpoints.add(window.endpoint);
      merged.count += window.count;
      merged.windows = (merged.windows ?? 0) + (window.windows ?? 1);
      if (merged.firstAt === '' || window.firstAt < merged.firstAt) merged.firstAt = window.firstAt;
      if (window.lastAt > merged.lastAt) merged.lastAt = window.lastAt;
      for (const [reason, n] of Object.entries(window.reasons) as Array<[AuthFailureReason, number]>) merged.reasons[reason] = (merged.reasons[reason] ?? 0) + n;
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
    for (const [reason, n] of Object.entries(window.reasons) as Array<[AuthFailureReason, number]>) newer.reasons[reason] = (newer.reasons[reason] ?? 0) + n;
  }

  #restore(use: KeyUse): void {
    const atMs = Date.parse(use.at);
    const newer = this.#pending.get(use.keyId);
    if (newer === undefined) this.#pending.set(use.keyId, { atMs, clientAddress: use.clientAddress, usedBefore: use.usedBefore });
    else if (newer.atMs < atMs) Object.assign(newer, { atMs, clientAddress: use.clientAddress });
  }
}
