import { streamFormats, streamKinds, streamStates, type AuditStream, type StreamState } from '../../domain/streams/model.js';
import type { AuditStreamsTable } from '../tables.js';
import type { Db } from './db.js';

/** `audit_streams`: admin changes (audited by the caller's transaction). Delivery is `queues/audit-streams.ts`. */

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  const found = allowed.find((v) => v === value);
  if (found === undefined) throw new Error(`audit_streams.${what} holds an unknown value: ${value}`);
  return found;
}

export function toAuditStream(row: AuditStreamsTable): AuditStream {
  return {
    id: row.id,
    name: row.name,
    kind: oneOf(streamKinds, row.kind, 'kind'),
    url: row.url,
    format: oneOf(streamFormats, row.format, 'format'),
    actionPrefix: row.action_prefix,
    state: oneOf(streamStates, row.state, 'state'),
    tlsCa: row.tls_ca,
    cursorSeq: Number(row.cursor_seq),
    failures: Number(row.failures),
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    lastDeliveredAt: row.last_delivered_at,
    nextAttemptAt: row.next_attempt_at,
    failingAlerted: Number(row.failing_alerted) === 1,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

export async function insert(db: Db, stream: AuditStream, secretSealed: string | null): Promise<void> {
  await db
    .insertInto('audit_streams')
    .values({
      id: stream.id,
      name: stream.name,
      kind: stream.kind,
      url: stream.url,
      format: stream.format,
      action_prefix: stream.actionPrefix,
      state: stream.state,
      secret_enc: secretSealed,
      tls_ca: stream.tlsCa,
      cursor_seq: stream.cursorSeq,
      batch_end_seq: null,
      claimed_until: null,
      claim_token: null,
      failures: 0,
      next_attempt_at: stream.nextAttemptAt,
      last_error: null,
      last_error_at: null,
      failing_alerted: 0,
      last_delivered_at: null,
      created_at: stream.createdAt,
      created_by: stream.createdBy,
    })
    .execute();
}

export async function findById(db: Db, id: string): Promise<AuditStream | undefined> {
  const row = await db.selectFrom('audit_streams').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAuditStream(row);
}

export async function list(db: Db): Promise<AuditStream[]> {
  const rows = await db.selectFrom('audit_streams').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toAuditStream);
}

export async function setState(db: Db, id: string, state: StreamState, now: string): Promise<boolean> {
  const result = await db
    .updateTable('audit_streams')
    .set({ state, ...(state === 'active' ? { next_attempt_at: now, failures: 0 } : {}) })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function remove(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('audit_streams').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function replayFrom(db: Db, id: string, fromSeq: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('audit_streams')
    .set({ cursor_seq: Math.max(0, fromSeq - 1), batch_end_seq: null, next_attempt_at: now, failures: 0 })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function markAlerted(db: Db, id: string, alerted: boolean): Promise<boolean> {
  const result = await db
    .updateTable('audit_streams')
    .set({ failing_alerted: alerted ? 1 : 0 })
    .where('id', '=', id)
    .where('failing_alerted', '=', alerted ? 0 : 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
