import { GENESIS_HASH, hashAuditRecord } from '../audit.js';
import { auditActions, type AuditAction, type AuditRecord } from '../model.js';

/**
 * Verifies audit records as a receiver got them (a JSONL file, or syslog lines whose message is the
 * JSON), on their own: no database. Each line may be plain JSON, a CloudEvent, a CloudEvents batch
 * array, OCSF, or an RFC 5424 line. Test events are skipped; a repeated record (at-least-once
 * delivery, same seq and hash) counts once. The first record is trusted as the starting point; from
 * there every hash must match its content, every `prev_hash` the record before, and no seq may be missing.
 */
export type FileVerdict =
  | { ok: true; records: number; firstSeq: number | null; lastSeq: number | null }
  | {
      ok: false;
      records: number;
      line: number;
      seq: number | null;
      problem: 'edited' | 'missing' | 'relinked' | 'unreadable' | 'out_of_order';
    };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const ACTIONS: ReadonlySet<string> = new Set(auditActions);
const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The plain record inside any of our formats, or undefined for a test event; throws when unreadable. */
function plainOf(event: Record<string, unknown>): Record<string, unknown> | undefined {
  if (event.test === true) return undefined;
  if (typeof event.specversion === 'string') {
    if (!isObject(event.data)) throw new Error('CloudEvent without data');
    return event.data.test === true ? undefined : event.data;
  }
  if (typeof event.class_uid === 'number') {
    const unmapped = isObject(event.unmapped) ? event.unmapped.accesskey_audit : undefined;
    if (!isObject(unmapped)) throw new Error('OCSF event without unmapped.accesskey_audit');
    return unmapped.test === true ? undefined : unmapped;
  }
  return event;
}

function recordOf(plain: Record<string, unknown>): AuditRecord {
  const { seq, at, actor_id, action, details, prev_hash, hash } = plain;
  if (typeof seq !== 'number' || !Number.isInteger(seq)) throw new Error('no seq');
  if (typeof at !== 'string' || typeof actor_id !== 'string' || typeof prev_hash !== 'string' || typeof hash !== 'string')
    throw new Error('missing chain fields');
  if (typeof action !== 'string' || !ACTIONS.has(action)) throw new Error('unknown action');
  if (!isObject(details)) throw new Error('details is not an object');
  const clean: Record<string, string | number | boolean | null> = {};
  for (const [name, value] of Object.entries(details)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') clean[name] = value;
    else throw new Error('details holds a nested value');
  }
  return {
    seq,
    at,
    actorId: actor_id,
    action: action as AuditAction,
    keyId: textOrNull(plain.key_id),
    keyName: textOrNull(plain.key_name),
    ownerId: textOrNull(plain.owner_id),
    roleName: textOrNull(plain.role_name),
    expiresAt: textOrNull(plain.expires_at),
    details: clean,
    prevHash: prev_hash,
    hash,
  };
}

/** The JSON of one line: the line itself, or the message part of an RFC 5424 line (after the structured data). */
function jsonOfLine(line: string): unknown {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(trimmed);
  if (trimmed.startsWith('<')) {
    const start = trimmed.indexOf('] {');
    if (start >= 0) return JSON.parse(trimmed.slice(start + 2));
  }
  throw new Error('neither JSON nor an RFC 5424 line with a JSON message');
}

/** The records of one line, in order (a CloudEvents batch holds several). */
export function recordsOfLine(line: string): AuditRecord[] {
  const value = jsonOfLine(line);
  const events = Array.isArray(value) ? value : [value];
  const records: AuditRecord[] = [];
  for (const event of events) {
    if (!isObject(event)) throw new Error('an event is not an object');
    const plain = plainOf(event);
    if (plain !== undefined) records.push(recordOf(plain));
  }
  return records;
}

export function verifyChainLines(lines: readonly string[]): FileVerdict {
  let previous: AuditRecord | undefined;
  let firstSeq: number | null = null;
  let count = 0;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const lineNo = index + 1;
    let records: AuditRecord[];
    try {
      records = recordsOfLine(line);
    } catch {
      return { ok: false, records: count, line: lineNo, seq: null, problem: 'unreadable' };
    }
    for (const record of records) {
      if (previous !== undefined && record.seq <= previous.seq) {
        // At least once: the same record again is fine; anything else going backwards is not.
        if (record.seq === previous.seq && record.hash === previous.hash) continue;
        return { ok: false, records: count, line: lineNo, seq: record.seq, problem: 'out_of_order' };
      }
      const { hash, ...fields } = record;
      if (hashAuditRecord(fields) !== hash) return { ok: false, records: count, line: lineNo, seq: record.seq, problem: 'edited' };
      // The chain's first record links to the genesis hash; any later one starts the file on trust.
      if (previous === undefined && record.seq === 1 && record.prevHash !== GENESIS_HASH)
        return { ok: false, records: count, line: lineNo, seq: record.seq, problem: 'relinked' };
      if (previous !== undefined) {
        if (record.seq !== previous.seq + 1) return { ok: false, records: count, line: lineNo, seq: previous.seq + 1, problem: 'missing' };
        if (record.prevHash !== previous.hash) return { ok: false, records: count, line: lineNo, seq: record.seq, problem: 'relinked' };
      }
      firstSeq ??= record.seq;
      previous = record;
      count += 1;
    }
  }
  return { ok: true, records: count, firstSeq, lastSeq: previous?.seq ?? null };
}

export function describeFileVerdict(verdict: FileVerdict): string {
  if (verdict.ok)
    return verdict.records === 0
      ? 'No audit records found in the file.'
      : `Chain intact: ${verdict.records} records, #${verdict.firstSeq} to #${verdict.lastSeq}.`;
  const where = `line ${verdict.line}`;
  switch (verdict.problem) {
    case 'unreadable':
      return `Chain BROKEN at ${where}: the line is not an audit event. ${verdict.records} records before it verify.`;
    case 'missing':
      return `Chain BROKEN at ${where}: record #${verdict.seq} is missing (a gap). ${verdict.records} records before it verify.`;
    case 'edited':
      return `Chain BROKEN at ${where}: record #${verdict.seq} was edited (its content no longer matches its hash). ${verdict.records} records before it verify.`;
    case 'relinked':
      return `Chain BROKEN at ${where}: record #${verdict.seq} does not link to the record before it. ${verdict.records} records before it verify.`;
    case 'out_of_order':
      return `Chain BROKEN at ${where}: record #${verdict.seq} comes after a later one. ${verdict.records} records before it verify.`;
  }
}
