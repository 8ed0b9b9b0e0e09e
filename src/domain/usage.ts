import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import { auditOf } from './audit.js';
import type { AuditEvent } from './model.js';
import type { RefusalKind } from './refusal-ports.js';
import { hourOf, type UsageCell } from './usage-counts.js';
import { findAnomalies, tellAnomalies } from './usage-anomalies.js';

/**
 * Last-used tracking and aggregated failed-authentication audit for the integration API (docs/http-api.md).
 * Nothing here writes on the request path: uses and failures are coalesced in memory
 * and written by a flusher, so a verify costs one indexed read and no write.
 */

/** Who acted in an `auth.failed` record: an unauthenticated caller of the HTTP API. */
export const API_ACTOR = 'api';

/** What writing usage needs: no refusal sink, so the recorder that is one can be built before the services. */
export type UsageDeps = Pick<DomainDeps, 'store' | 'now'>;

/** The usage recorder's writers (src/http/usage-recorder.ts), bound to the store and the domain's clock. */
export function usageWriter(deps: UsageDeps) {
  return {
    now: () => deps.now(),
    recordKeyUses: (uses: readonly KeyUse[]) => recordKeyUses(deps, uses),
    recordAuthFailures: (windows: readonly AuthFailureWindow[]) => recordAuthFailures(deps, windows),
    recordUsageCounts: (cells: readonly UsageCell[]) => deps.store.usageCounts.add(cells),
    /** Usage anomalies in counters just written, each told once per key, kind and day; returns how many were told. */
    checkUsageAnomalies: async (cells: readonly UsageCell[]) => tellAnomalies(deps, await findAnomalies(deps, cells)),
    /** Deletes counters older than `retentionMs` (USAGE_RETENTION); returns how many rows. */
    pruneUsageCounts: (retentionMs: number) => deps.store.usageCounts.prune(hourOf(deps.now().getTime() - retentionMs)),
  };
}

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
export async function recordKeyUses(deps: UsageDeps, uses: readonly KeyUse[]): Promise<KeyUsesWritten> {
  const usedBefore = uses.filter((use) => use.usedBefore);
  const maybeFirst = uses.filter((use) => !use.usedBefore);
  // Last-used times of keys used before cannot make a key unusable: the key cache is kept.
  let written = usedBefore.length === 0 ? 0 : await deps.store.writeUsage((tx) => tx.keys.touchUsedLastUsed(usedBefore));
  let firstUses = 0;
  if (maybeFirst.length > 0) {
    const more = await deps.store.write(async (tx) => {
      let moved = 0;
      let first = 0;
      for (const use of maybeFirst) {
        const outcome = await tx.keys.touchLastUsed(use.keyId, use.at, use.clientAddress);
        if (outcome === 'unchanged') continue;
        moved += 1;
        if (outcome !== 'first') continue;
        const key = await tx.keys.findById(use.keyId);
        if (key === undefined) continue;
        first += 1;
        const role = await tx.roles.findById(key.roleId);
        // The key acted (an integration holding it), so it is the actor; no person is involved.
        // Stamped when written, like every record, so `at` never runs backwards against `seq`; the use's own time is a detail.
        await appendAudit(
          tx,
          auditOf(key.id, 'key.first_used', key, role, { clientAddress: use.clientAddress, usedAt: use.at }),
          deps.now(),
        );
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

export type AuthFailureReason =
  | 'malformed'
  | 'not_found'
  | 'inactive'
  | 'expired'
  | 'mismatch'
  | 'invalid_token'
  | 'network_not_allowed'
  | 'insufficient_permissions';

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

/** One `auth.failed` record per window (key ID, client, endpoint, minute), with counts — never the secret. */
export async function recordAuthFailures(deps: UsageDeps, windows: readonly AuthFailureWindow[]): Promise<number> {
  if (windows.length === 0) return 0;
  // Audit records of failures only: no key changes, so the key cache is kept.
  return deps.store.writeUsage(async (tx) => {
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
        await appendAudit(
          tx,
          {
            actorId,
            action,
            details: { ...first, attempted, count: window.count, firstAt: window.firstAt, lastAt: window.lastAt, aggregated: true },
          },
          deps.now(),
        );
        continue;
      }
      const key = window.keyId === null ? undefined : await tx.keys.findById(window.keyId);
      const event: AuditEvent =
        key === undefined
          ? { actorId: API_ACTOR, action: 'auth.failed', keyId: window.keyId, details }
          : { ...auditOf(API_ACTOR, 'auth.failed', key, await tx.roles.findById(key.roleId), details) };
      await appendAudit(tx, event, deps.now());
    }
    return windows.length;
  });
}
