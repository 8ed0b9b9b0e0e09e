import type { StreamQueue } from './streams/model.js';
import { recordLeakCard } from './keys/leaked.js';
import type { LeakResolution } from './repo-ports.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { EXPIRED_THRESHOLD, planWarnings, type DueKey, type Threshold } from './expiry.js';
import type { ExpiryWarningStore, WarningMarker, WarningMarks } from './expiry-ports.js';
import { auditKeyExpired } from './keys/expired.js';
import { SYSTEM_ACTOR, type Role } from './model.js';
import type { Notification, NotificationOutbox } from './notifications.js';
import type { AuditOutbox } from './audit-outbox.js';
import type { ReadRepos, Repos, Store } from './ports.js';
import type { StaleKeyStore, StaleNotice } from './stale-key-ports.js';
import type { OwnerReconcileStore } from './owner-reconcile-ports.js';

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
 * The queues and markers the scheduler's jobs drive themselves (claim, lease, mark sent, prune), as the
 * domain's ports, with the services' clock. Pacing, retries and logging are the jobs'; the steps with
 * rules in them (audited writes) are `backgroundSteps` below, reached through `services.background`.
 */
export interface JobPorts {
  /** The services' clock, the one every expiry decision reads (jobs pace and date their rows by it). */
  now: () => Date;
  /** Lookups a worker repeats before it sends, so a changed key or request is cancelled, not announced. */
  read: ReadRepos;
  /** The expiry check's markers and the expiry-warning DM queue (docs/rules.md: expiry warnings). */
  expiryWarnings: ExpiryWarningStore;
  /** The user-facing notification outbox. */
  notifications: NotificationOutbox;
  /** Stale-key notices (docs/rules.md: stale keys). */
  staleKeys: StaleKeyStore;
  /** The daily owner reconcile's run claims and cursors (docs/offboarding.md). */
  ownerReconcile: OwnerReconcileStore;
  /** Queues approval reminders for requests open since before `openSince`; returns how many. */
  queueReminders(openSince: Date, now: Date, limit: number): Promise<number>;
  /** The security-channel mirror's queue (its own short transactions). */
  auditOutbox: AuditOutbox;
  /** Event streams' cursors (the stream delivery worker leases streams through it). */
  streamQueue: StreamQueue;
  /** Deletes audit_outbox rows posted before `cutoff` (OUTBOX_RETENTION); returns how many. */
  pruneAuditOutbox(cutoff: Date, limit: number): Promise<number>;
}

/** The store's ports as the jobs see them; the jobs leave the audited writes to `services.background`. */
export function jobPorts(store: Store, now: () => Date): JobPorts {
  return {
    now,
    read: store.read,
    expiryWarnings: store.expiryWarnings,
    notifications: store.notifications,
    staleKeys: store.staleKeys,
    ownerReconcile: store.ownerReconcile,
    queueReminders: (openSince, at, limit) => store.queueReminders(openSince, at, limit),
    auditOutbox: store.auditOutbox,
    streamQueue: store.streamQueue,
    pruneAuditOutbox: (cutoff, limit) => store.pruneAuditOutbox(cutoff, limit),
  };
}

/** The background work's audited steps (`services.background`): each one transaction with its rules. */
export function backgroundSteps(deps: DomainDeps) {
  return {
    /** One audited transaction per batch of due keys: keeps each write short (it holds the audit chain's lock). */
    markExpiryDue: (found: readonly DueKey[], context: { now: Date; thresholds: readonly Threshold[]; staleAfterMs: number }) =>
      deps.store.expiryWarnings.write((tx, marks) => markBatch(tx, marks, found, context)),
    closeDueStaleNotice: (notice: StaleNotice) => closeDueNotice(deps, notice),
    recordSecretFileDeleted: (n: Extract<Notification, { kind: 'secret_file.delete' }>, alreadyGone: boolean) =>
      recordSecretFileDeleted(deps, n, alreadyGone),
    /** A leaked key's card was posted or updated (or found gone): remember where, and queue the next update if it is behind. */
    recordLeakCard: (
      keyId: string,
      card: { channel: string; ts: string } | null,
      shown: { sightings: number; resolution: LeakResolution | null },
    ) => recordLeakCard(deps, keyId, card, shown),
  };
}
