import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR, type AccessKey, type AuditAction, type AuditEvent, type AuditHead, type AuditRecord, type Role } from './model.js';
import type { ReadRepos, Repos } from './ports.js';
import { containsCredential } from './secrets.js';

export const GENESIS_HASH = '0'.repeat(64);

type ChainFields = Omit<AuditRecord, 'hash'>;

/** The hash covers every field, in a fixed order, chained to the previous record's hash. */
export function hashAuditRecord(record: ChainFields): string {
  const canonical = JSON.stringify([
    record.seq,
    record.at,
    record.actorId,
    record.action,
    record.keyId,
    record.keyName,
    record.ownerId,
    record.roleName,
    record.expiresAt,
    Object.entries(record.details).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
  return createHash('sha256').update(record.prevHash).update('\n').update(canonical).digest('hex');
}

/** The audit event of a change to one key: the key's identity and expiry as they are after the change. */
export function auditOf(
  actorId: string,
  action: AuditAction,
  key: Pick<AccessKey, 'id' | 'name' | 'ownerId' | 'expiresAt'>,
  role: Pick<Role, 'name'> | undefined,
  details: Record<string, string | number | boolean | null> = {},
) {
  return {
    actorId,
    action,
    keyId: key.id,
    keyName: key.name,
    ownerId: key.ownerId,
    roleName: role?.name ?? null,
    expiresAt: key.expiresAt,
    details,
  };
}

/** Refuses anything that looks like a secret (a key's, a webhook's, a TOTP link): no code path may put one into the append-only log. */
function assertNoSecret(event: AuditEvent): void {
  if (containsCredential(JSON.stringify(event))) throw new Error('refusing to write a secret-like value into the audit log');
}

/**
 * Appends one record inside the caller's transaction. The store holds the write lock for the whole
 * transaction, so reading the head and writing the next link cannot interleave with another writer.
 * Every record queues its mirror row under its seq, so a queued seq above the head means records were
 * cut and the head rewound: an `audit.tail_mismatch` alert goes first, and no seq is ever reused.
 */
export async function appendAudit(tx: Pick<Repos, 'audit'>, event: AuditEvent, at: Date): Promise<AuditRecord> {
  assertNoSecret(event);
  let head = await tx.audit.readHead();
  const queued = await tx.audit.highestQueuedSeq();
  if (queued > head.seq && event.action !== 'audit.tail_mismatch') {
    const alert = await appendAt(tx, cutTailAlert(head, queued), at, head, queued + 1);
    head = { seq: alert.seq, hash: alert.hash };
  }
  return appendAt(tx, event, at, head, Math.max(head.seq, queued) + 1);
}

/** The alert for records cut after the head: the highest one the mirror's queue still names. */
export function cutTailAlert(head: AuditHead, queuedSeq: number): AuditEvent {
  return {
    actorId: SYSTEM_ACTOR,
    action: 'audit.tail_mismatch',
    details: { reason: 'queued_above_head', seenSeq: queuedSeq, foundHash: null, headSeqBefore: head.seq },
  };
}

async function appendAt(tx: Pick<Repos, 'audit'>, event: AuditEvent, at: Date, head: AuditHead, seq: number): Promise<AuditRecord> {
  const fields: ChainFields = {
    seq,
    at: at.toISOString(),
    actorId: event.actorId,
    action: event.action,
    keyId: event.keyId ?? null,
    keyName: event.keyName ?? null,
    ownerId: event.ownerId ?? null,
    roleName: event.roleName ?? null,
    expiresAt: event.expiresAt ?? null,
    details: event.details ?? {},
    prevHash: head.hash,
  };
  const record: AuditRecord = { ...fields, hash: hashAuditRecord(fields) };
  await tx.audit.insert(record);
  await tx.audit.writeHead({ seq: record.seq, hash: record.hash });
  return record;
}

export type ChainVerdict =
  | { ok: true; records: number }
  | { ok: false; seq: number; problem: 'edited' | 'missing' | 'relinked'; records: number };

/**
 * Walks the chain from the first record. Finds the first record whose content no longer matches its
 * hash (edited), a gap in the sequence or a truncated tail (missing), or a broken link (relinked).
 */
export async function verifyAuditChain(repos: Pick<ReadRepos, 'audit'>, pageSize = 1000): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const page = await repos.audit.listAscending(expectedSeq - 1, pageSize);
    for (const record of page) {
      if (record.seq !== expectedSeq) return { ok: false, seq: expectedSeq, problem: 'missing', records: count };
      const { hash, ...fields } = record;
      if (hashAuditRecord(fields) !== hash) return { ok: false, seq: record.seq, problem: 'edited', records: count };
      if (record.prevHash !== prevHash) return { ok: false, seq: record.seq, problem: 'relinked', records: count };
      prevHash = hash;
      expectedSeq += 1;
      count += 1;
    }
    if (page.length < pageSize) break;
  }
  const head = await repos.audit.readHead();
  if (head.seq !== count) return { ok: false, seq: count + 1, problem: 'missing', records: count };
  if (head.hash !== prevHash) return { ok: false, seq: count, problem: 'edited', records: count };
  return { ok: true, records: count };
}
