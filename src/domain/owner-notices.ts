import type { DeliveryOutcome } from './delivery.js';
import type { AccessKey, Role } from './model.js';
import type { Repos } from './ports.js';
import { randomBase62 } from './secrets.js';
import { iso } from './time.js';

/**
 * docs/http-api.md, "Prisma-compatible key API": when automation changes a key through the Prisma-compatible API, the key's owner is told by
 * DM. The notice is queued by the transaction that made the change (so it exists exactly when the change
 * does) and sent after commit by `src/scheduler/jobs/owner-notice-sender.ts`.
 */
export type OwnerNoticeKind = 'key_created' | 'key_deleted' | 'key_deactivated' | 'key_revoked';

export interface OwnerNotice {
  id: string;
  ownerId: string;
  kind: OwnerNoticeKind;
  keyId: string;
  keyName: string;
  roleName: string | null;
  /** The key the automation authenticated with. */
  viaKeyId: string;
  /** On whose behalf it acted: the calling key's owner (an admin when it is someone else's key). */
  actorId: string;
  createdAt: string;
}

export interface QueuedOwnerNotice extends OwnerNotice {
  attempts: number;
}

/** An integration acting through one of its owner's keys, rather than the owner in Slack. */
export interface ViaKey {
  keyId: string;
  /** The calling key's role: through a key, its owner acts in that role only (R3). */
  roleId: string;
}

let sequence = 0;

/**
 * Ids sort in the order this process queued them (wall-clock milliseconds, then a counter), so one
 * owner's notices about one key arrive in the order things happened: created, made inactive, deleted.
 */
function noticeId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `ntc_${String(Date.now()).padStart(15, '0')}${String(sequence).padStart(6, '0')}${randomBase62(8)}`;
}

export function ownerNoticeOf(kind: OwnerNoticeKind, key: AccessKey, role: Pick<Role, 'name'> | undefined, via: ViaKey, actorId: string, now: Date): OwnerNotice {
  return { id: noticeId(), ownerId: key.ownerId, kind, keyId: key.id, keyName: key.name, roleName: role?.name ?? null, viaKeyId: via.keyId, actorId, createdAt: iso(now) };
}

/** Queues the owner's DM inside the change's own transaction. */
export async function queueOwnerNotice(tx: Repos, notice: OwnerNotice): Promise<void> {
  await tx.ownerNotices.queue(notice);
}

/** The queue as the sender sees it (short transactions of its own, never inside `Store.write`). */
export interface OwnerNoticeQueue {
  /** Leases the oldest due pending notices, skipping rows other replicas hold. */
  claim(request: { now: Date; leaseMs: number; maxItems: number }): Promise<QueuedOwnerNotice[]>;
  markSent(id: string, delivery: { channelId: string; ts: string }, now: Date): Promise<void>;
  release(ids: readonly string[]): Promise<void>;
  /** Charges one failed attempt; `retryAt: null` parks the notice for good. */
  recordFailure(id: string, failure: { error: string; retryAt: Date | null }): Promise<void>;
  backlog(): Promise<{ pending: number; parked: number }>;
}

/** The owner's DM channel, as the sender sees it. */
export interface OwnerNoticeDm {
  send(notice: OwnerNotice): Promise<DeliveryOutcome>;
}
