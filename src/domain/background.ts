import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { EXPIRED_THRESHOLD, planWarnings, type DueKey, type Threshold } from './expiry.js';
import type { WarningMarker, WarningMarks } from './expiry-ports.js';
import { auditKeyExpired } from './keys/expired.js';
import { SYSTEM_ACTOR, type Role } from './model.js';
import type { Notification } from './notifications.js';
import type { Repos } from './ports.js';
import type { StaleCandidate, StaleNotice } from './stale-key-ports.js';

/** What one marked batch of due keys came to. */
export interface MarkedCounts {
  queued: number;
  skipped: number;
  expired: number;
}

/** How closing a due stale-key notice ended: the key made inactive, the notice moot, or another replica first. */
export type StaleNoticeOutcome = 'inactivated' | 'resolved' | 'raced';

/**
 * Marks (key, threshold) pairs that became due, and queues one DM per key for its most urgent due
 * threshold, in the same transaction as the marker (and, for 'expired', the `key.expired` audit record).
 */
async function markBatch(
  tx: Repos,
  marks: WarningMarks,
  found: readonly DueKey[],
  context: { now: Date; thresholds: readonly Threshold[]; staleAfterMs: number },
): Promise<MarkedCounts> {
  const at = context.now.toISOString();
  // Read again under the write lock: a key deleted or extended since the scan gets no marker for the
  // old expiry (an extended key's new expiry is found by a later scan if it is due).
  const current = await marks.currentKeys(found.map((k) => k.id));
  const keys = found.flatMap((k) => {
    const now = current.get(k.id);
    return now !== undefined && now.expiresAt === k.expiresAt ? [now] : [];
  });
  const marked = await marks.markedThresholds(keys);
  const wanted: WarningMarker[] = keys.flatMap((key) => {
    const plan = planWarnings(key, context.now, context.thresholds, marked.get(key.id) ?? new Set(), {
      staleAfterMs: context.staleAfterMs,
    });
    const base = { keyId: key.id, expiresAt: key.expiresAt, ownerId: key.ownerId, at };
    return [
      ...plan.skip.map(({ threshold, reason }) => ({ ...base, threshold: threshold.id, state: 'skipped' as const, note: reason })),
      ...(plan.notify === undefined ? [] : [{ ...base, threshold: plan.notify.id, state: 'pending' as const }]),
    ];
  });
  const inserted = await marks.mark(wanted);

  const counts = { queued: 0, skipped: 0, expired: 0 };
  const byId = new Map(keys.map((k) => [k.id, k]));
  const roles = new Map<string, Role | undefined>();
  for (const marker of inserted) {
    if (marker.state === 'pending') counts.queued += 1;
    else counts.skipped += 1;
    const key = byId.get(marker.keyId);
    if (marker.threshold !== EXPIRED_THRESHOLD || key === undefined) continue;
    // The expiry is itself an audit record, written once: only by the transaction that inserted the marker.
    if (!roles.has(key.roleId)) roles.set(key.roleId, await tx.roles.findById(key.roleId));
    await auditKeyExpired(tx, key, roles.get(key.roleId), context.now);
    counts.expired += 1;
  }
  return counts;
}

/**
 * A stale-key notice still open STALE_KEY_AUTO_INACTIVE_AFTER later: makes the key inactive (audited,
 * owner told through the outbox) if its clock has not moved, else closes the notice as resolved.
 */
async function closeDueNotice(deps: DomainDeps, notice: StaleNotice): Promise<StaleNoticeOutcome> {
  return deps.store.staleKeys.write(async (tx, notices) => {
    const at = deps.now();
    const key = await tx.keys.findById(notice.keyId);
    const clock = await notices.currentClock(notice.keyId);
    // Used, kept, deleted, made inactive or expired since the notice: the notice has done its job.
    const stillStale =
      key !== undefined &&
      key.status === 'active' &&
      key.rotatedTo === null &&
      clock === notice.clockFrom &&
      (key.expiresAt === null || Date.parse(key.expiresAt) > at.getTime());
    if (!stillStale) return (await notices.close(notice.id, 'resolved', at.toISOString())) ? 'resolved' : 'raced';
    // Closing the notice is the once-only step: of two replicas, only one gets true and acts.
    if (!(await notices.close(notice.id, 'inactivated', at.toISOString()))) return 'raced';
    await tx.keys.update(key.id, { status: 'inactive' });
    const role = await tx.roles.findById(key.roleId);
    await appendAudit(
      tx,
      auditOf(SYSTEM_ACTOR, 'key.deactivated_as_stale', key, role, { unusedSince: notice.clockFrom, noticedAt: notice.noticedAt }),
      at,
    );
    await tx.notifications.enqueue(
      { kind: 'stale_key.inactivated_dm', keyId: key.id, ownerId: key.ownerId, keyName: key.name },
      at.toISOString(),
    );
    return 'inactivated';
  });
}

/** A secret file's deletion is recorded in the audit log (never the file's content). */
async function recordSecretFileDeleted(
  deps: DomainDeps,
  n: Extract<Notification, { kind: 'secret_file.delete' }>,
  alreadyGone: boolean,
): Promise<void> {
  const key = await deps.store.read.keys.findById(n.keyId);
  await deps.store.write((tx) =>
    appendAudit(
      tx,
      {
        actorId: SYSTEM_ACTOR,
        action: 'secret_file.deleted',
        keyId: n.keyId,
        keyName: key?.name ?? null,
        ownerId: n.ownerId,
        details: { fileId: n.fileId, alreadyGone },
      },
      deps.now(),
    ),
  );
}

/**
 * What the scheduler's jobs and outbox workers call (src/scheduler/): each a domain step with the store
 * bound, so the jobs hold the pacing, logging and retry policy and never see the store or `deps`.
 */
export function backgroundServices(deps: DomainDeps) {
  const { store } = deps;
  return {
    /** The services' clock, the one every expiry decision reads (jobs pace and date their rows by it). */
    now: (): Date => deps.now(),
    /** Lookups a worker repeats before it sends, so a changed key or request is cancelled, not announced. */
    lookups: {
      key: (keyId: string) => store.read.keys.findById(keyId),
      role: (roleId: string) => store.read.roles.findById(roleId),
      accessRequest: (requestId: string) => store.read.accessRequests.find(requestId),
      roleNamesOf: async (userId: string) => (await store.read.memberships.rolesOf(userId)).map((r) => r.name),
    },
    /** The expiry check's markers (docs/rules.md: expiry warnings). */
    expiry: {
      evaluatedUntil: () => store.expiryWarnings.evaluatedUntil(),
      setEvaluatedUntil: (at: string) => store.expiryWarnings.setEvaluatedUntil(at),
      findUnmarkedKeys: (threshold: string, range: { after: string | null; until: string }, limit: number) =>
        store.expiryWarnings.findUnmarkedKeys(threshold, range, limit),
      /** One audited transaction per batch: keeps each write short (it holds the audit chain's lock). */
      markDue: (found: readonly DueKey[], context: { now: Date; thresholds: readonly Threshold[]; staleAfterMs: number }) =>
        store.expiryWarnings.write((tx, marks) => markBatch(tx, marks, found, context)),
    },
    /** The expiry-warning DM queue. */
    warnings: {
      claim: (now: Date, leaseMs: number, maxItems: number) => store.expiryWarnings.claim({ now, leaseMs, maxItems }),
      release: (ids: readonly string[]) => store.expiryWarnings.release(ids),
      markSent: (id: string, delivery: { channelId: string; ts: string }, now: Date) => store.expiryWarnings.markSent(id, delivery, now),
      cancel: (id: string, reason: string, now: Date) => store.expiryWarnings.cancel(id, reason, now),
      recordFailure: (id: string, failure: { error: string; retryAt: Date | null }, now: Date) =>
        store.expiryWarnings.recordFailure(id, failure, now),
    },
    /** The user-facing notification outbox. */
    notifications: {
      claim: (now: Date, leaseMs: number, maxItems: number) => store.notifications.claim({ now, leaseMs, maxItems }),
      release: (ids: readonly string[]) => store.notifications.release(ids),
      complete: (id: string, state: 'sent' | 'cancelled', now: Date, note?: string) => store.notifications.complete(id, state, now, note),
      recordFailure: (id: string, failure: { error: string; retryAt: Date | null }, now: Date) =>
        store.notifications.recordFailure(id, failure, now),
      recordSecretFileDeleted: (n: Extract<Notification, { kind: 'secret_file.delete' }>, alreadyGone: boolean) =>
        recordSecretFileDeleted(deps, n, alreadyGone),
    },
    /** Approval reminders for requests open since before `openSince`. */
    requests: {
      queueReminders: (openSince: Date, now: Date, limit: number) => store.queueReminders(openSince, now, limit),
    },
    /** Stale-key notices (docs/rules.md: stale keys). */
    stale: {
      findUnnoticed: (cutoff: Date, now: Date, limit: number): Promise<StaleCandidate[]> =>
        store.staleKeys.findStaleUnnoticed(cutoff, now, limit),
      notice: (candidates: readonly StaleCandidate[], now: Date) => store.staleKeys.notice(candidates, now),
      noticesDue: (before: Date, limit: number) => store.staleKeys.noticesDue(before, limit),
      closeDueNotice: (notice: StaleNotice) => closeDueNotice(deps, notice),
    },
    /** Deletes delivered rows and spent markers finished before `cutoff` (OUTBOX_RETENTION); each returns how many. */
    prune: {
      auditOutbox: (cutoff: Date, limit: number) => store.pruneAuditOutbox(cutoff, limit),
      notifications: (cutoff: Date, limit: number) => store.notifications.prune(cutoff, limit),
      expiryWarnings: (cutoff: Date, limit: number) => store.expiryWarnings.prune(cutoff, limit),
      staleNotices: (cutoff: Date, limit: number) => store.staleKeys.pruneNotices(cutoff, limit),
    },
    /** The security-channel mirror's queue (its own short transactions). */
    auditOutbox: store.auditOutbox,
  };
}

export type BackgroundServices = ReturnType<typeof backgroundServices>;
