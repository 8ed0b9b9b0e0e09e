import type { AuditAction, AuditRecord } from '../model.js';
import type { StreamFormat } from './model.js';

/**
 * How one audit record looks on the wire, per format. Every format carries the whole record with its
 * chain fields (`seq`, `prev_hash`, `hash`) so a receiver can verify the chain from the stream alone
 * (`npm run audit:verify -- --file`); `recordFromEvent` reads any of them back.
 */

/** The plain JSON form: our field names, snake_case, and the chain. */
export interface PlainAuditEvent {
  id: string;
  seq: number;
  at: string;
  actor_id: string;
  action: AuditAction;
  key_id: string | null;
  key_name: string | null;
  owner_id: string | null;
  role_name: string | null;
  expires_at: string | null;
  details: Record<string, string | number | boolean | null>;
  prev_hash: string;
  hash: string;
}

export const CLOUDEVENTS_SOURCE = 'urn:accesskey-bot:audit';
export const CLOUDEVENTS_TYPE_PREFIX = 'com.accesskeybot.audit.';

/** The stable id of a record's event: the same on every retry and replay, for receivers to dedupe on. */
export const eventIdOf = (seq: number): string => `audit-${seq}`;

export function plainEvent(record: AuditRecord): PlainAuditEvent {
  return {
    id: eventIdOf(record.seq),
    seq: record.seq,
    at: record.at,
    actor_id: record.actorId,
    action: record.action,
    key_id: record.keyId,
    key_name: record.keyName,
    owner_id: record.ownerId,
    role_name: record.roleName,
    expires_at: record.expiresAt,
    details: record.details,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

/** A CloudEvents 1.0 structured event; the chain is also in extension attributes (lower-case, per the spec). */
export function cloudEvent(record: AuditRecord) {
  return {
    specversion: '1.0',
    id: eventIdOf(record.seq),
    source: CLOUDEVENTS_SOURCE,
    type: `${CLOUDEVENTS_TYPE_PREFIX}${record.action}`,
    time: record.at,
    subject: record.keyId ?? undefined,
    datacontenttype: 'application/json',
    seq: record.seq,
    prevhash: record.prevHash,
    hash: record.hash,
    data: plainEvent(record),
  };
}

/** OCSF classes used: Entity Management (3004, IAM) for changes to keys, roles, access and streams; API Activity (6003) otherwise. */
const ENTITY_MANAGEMENT = 3004;
const API_ACTIVITY = 6003;

const CREATE = 1;
const UPDATE = 3;
const DELETE = 4;
const OTHER = 99;

function entityActivity(action: AuditAction): number | undefined {
  if (action === 'key.created' || action === 'role.created' || action === 'stream.created') return CREATE;
  if (action.startsWith('key.deleted') || action === 'role.deleted' || action === 'stream.deleted') return DELETE;
  if (action === 'api_access.granted' || action === 'api_access.revoked') return UPDATE;
  if (action === 'key.first_used' || action === 'key.reported_compromised' || action === 'key.leaked') return undefined;
  if (action.startsWith('key.') || action.startsWith('role.') || action.startsWith('stream.')) return UPDATE;
  return undefined;
}

const HIGH_SEVERITY: ReadonlySet<AuditAction> = new Set<AuditAction>([
  'key.reported_compromised',
  'key.leaked',
  'mfa.locked',
  'audit.tail_mismatch',
  'stream.failing',
]);

function entityOf(record: AuditRecord): { uid: string; name?: string; type: string } {
  if (record.keyId !== null) return { uid: record.keyId, ...(record.keyName === null ? {} : { name: record.keyName }), type: 'API Key' };
  if (record.action.startsWith('stream.')) return { uid: String(record.details.streamId ?? ''), type: 'Event Stream' };
  if (record.action.startsWith('role.')) return { uid: String(record.details.role ?? record.roleName ?? ''), type: 'Role' };
  return { uid: record.ownerId ?? record.actorId, type: 'User' };
}

/**
 * OCSF 1.3.0. Mapped: `time` (epoch ms of `at`), `actor.user.uid` (actor), `entity` (key id/name,
 * role, stream or user), `user.uid` (the key's owner), `api.operation` (the action), `activity_id`,
 * `type_uid`, `severity_id` (4 for a compromised or leaked key, a step-up lock, a broken audit tail or a failing stream),
 * `status_id` (2 for `auth.failed`), `metadata.uid` (event id) and `metadata.sequence` (seq). The whole
 * record with its chain is in `unmapped.accesskey_audit`.
 */
export function ocsfEvent(record: AuditRecord) {
  const activity = entityActivity(record.action);
  const classUid = activity === undefined ? API_ACTIVITY : ENTITY_MANAGEMENT;
  const activityId = activity ?? OTHER;
  return {
    class_uid: classUid,
    class_name: classUid === ENTITY_MANAGEMENT ? 'Entity Management' : 'API Activity',
    category_uid: classUid === ENTITY_MANAGEMENT ? 3 : 6,
    activity_id: activityId,
    type_uid: classUid * 100 + activityId,
    time: Date.parse(record.at),
    severity_id: HIGH_SEVERITY.has(record.action) ? 4 : 1,
    status_id: record.action === 'auth.failed' ? 2 : 1,
    message: record.action,
    actor: { user: { uid: record.actorId } },
    ...(classUid === ENTITY_MANAGEMENT ? { entity: entityOf(record) } : {}),
    ...(record.ownerId === null ? {} : { user: { uid: record.ownerId } }),
    api: { operation: record.action },
    metadata: {
      version: '1.3.0',
      uid: eventIdOf(record.seq),
      sequence: record.seq,
      product: { name: 'Access Key Bot', vendor_name: 'Access Key Bot' },
    },
    unmapped: { accesskey_audit: plainEvent(record) },
  };
}

/** One record as the format's JSON object (the batch format's single element is a CloudEvent). */
export function formatRecord(format: StreamFormat, record: AuditRecord): object {
  switch (format) {
    case 'json':
      return plainEvent(record);
    case 'cloudevents':
    case 'cloudevents-batch':
      return cloudEvent(record);
    case 'ocsf':
      return ocsfEvent(record);
  }
}

/** The HTTP body and content type of one webhook request carrying `records` (one, or a batch). */
export function webhookBody(format: StreamFormat, records: readonly AuditRecord[]): { body: string; contentType: string } {
  if (format === 'cloudevents-batch')
    return { body: JSON.stringify(records.map(cloudEvent)), contentType: 'application/cloudevents-batch+json' };
  const [record] = records;
  if (record === undefined || records.length !== 1) throw new Error(`format ${format} sends one record per request`);
  return {
    body: JSON.stringify(formatRecord(format, record)),
    contentType: format === 'cloudevents' ? 'application/cloudevents+json' : 'application/json',
  };
}

/** A synthetic event for Send test event, in the stream's format: marked `test`, carrying no chain, so verifiers skip it. */
export function testEvent(format: StreamFormat, streamId: string, at: string): object {
  const plain = { id: `test-${streamId}-${Date.parse(at)}`, test: true, at, action: 'stream.test', stream_id: streamId };
  if (format === 'json') return plain;
  if (format === 'ocsf')
    return {
      class_uid: API_ACTIVITY,
      category_uid: 6,
      activity_id: OTHER,
      type_uid: API_ACTIVITY * 100 + OTHER,
      time: Date.parse(at),
      severity_id: 1,
      status_id: 1,
      message: 'stream.test',
      api: { operation: 'stream.test' },
      metadata: { version: '1.3.0', uid: plain.id, product: { name: 'Access Key Bot', vendor_name: 'Access Key Bot' } },
      unmapped: { accesskey_audit: plain },
    };
  return {
    specversion: '1.0',
    id: plain.id,
    source: CLOUDEVENTS_SOURCE,
    type: `${CLOUDEVENTS_TYPE_PREFIX}stream.test`,
    time: at,
    datacontenttype: 'application/json',
    data: plain,
  };
}
