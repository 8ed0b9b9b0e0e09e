import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditRecord } from '../../src/domain/audit.js';
import type { AuditEvent, AuditRecord } from '../../src/domain/model.js';
import { recordsOfLine, verifyChainLines } from '../../src/domain/streams/chain-file.js';
import { cloudEvent, formatRecord, ocsfEvent, webhookBody } from '../../src/domain/streams/formats.js';
import type { StreamFormat } from '../../src/domain/streams/model.js';

/** A chain of records as appendAudit makes them, without a database. */
function chain(events: AuditEvent[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (const [i, event] of events.entries()) {
    const fields = {
      seq: i + 1,
      at: `2026-12-07T10:00:0${i % 10}.000Z`,
      actorId: event.actorId,
      action: event.action,
      keyId: event.keyId ?? null,
      keyName: event.keyName ?? null,
      ownerId: event.ownerId ?? null,
      roleName: event.roleName ?? null,
      expiresAt: event.expiresAt ?? null,
      details: event.details ?? {},
      prevHash,
    };
    const record = { ...fields, hash: hashAuditRecord(fields) };
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}

const records = chain([
  { actorId: 'UALICE', action: 'key.created', keyId: 'ak_0123456789abcdefABCD', keyName: 'ci', ownerId: 'UALICE', roleName: 'Ops' },
  { actorId: 'UADMIN', action: 'role.deleted', roleName: 'Ops', details: { role: 'Ops', keys: 1 } },
  { actorId: 'UBOB', action: 'auth.failed', details: { reason: 'bad_secret' } },
  { actorId: 'UALICE', action: 'key.reported_compromised', keyId: 'ak_0123456789abcdefABCD', keyName: 'ci', ownerId: 'UALICE' },
  { actorId: 'UADMIN', action: 'stream.created', details: { streamId: 'st_abcd', name: 'siem' } },
]);

describe('stream formats', () => {
  it('OCSF: changes to keys, roles and streams are Entity Management; the rest API Activity', () => {
    const [created, roleDeleted, failed, compromised, stream] = records.map(ocsfEvent);
    expect(created).toMatchObject({ class_uid: 3004, category_uid: 3, activity_id: 1, type_uid: 300401, severity_id: 1 });
    expect(created?.entity).toEqual({ uid: 'ak_0123456789abcdefABCD', name: 'ci', type: 'API Key' });
    expect(roleDeleted).toMatchObject({ class_uid: 3004, activity_id: 4, type_uid: 300404, entity: { uid: 'Ops', type: 'Role' } });
    expect(failed).toMatchObject({ class_uid: 6003, activity_id: 99, status_id: 2, api: { operation: 'auth.failed' } });
    expect(compromised).toMatchObject({ class_uid: 6003, severity_id: 4 });
    expect(stream).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { uid: 'st_abcd', type: 'Event Stream' } });
    expect(created?.metadata).toMatchObject({ version: '1.3.0', uid: 'audit-1', sequence: 1 });
    expect(created?.time).toBe(Date.parse('2026-12-07T10:00:00.000Z'));
  });

  it('OCSF: a leaked key maps as a compromised one (API Activity, High); a step-up lock is High too', () => {
    const [leaked, locked] = chain([
      {
        actorId: 'system',
        action: 'key.leaked',
        keyId: 'ak_0123456789abcdefABCD',
        keyName: 'ci',
        ownerId: 'UALICE',
        details: { source: 'github' },
      },
      { actorId: 'UADMIN', action: 'mfa.locked', ownerId: 'UADMIN', details: { failures: 5 } },
    ]).map(ocsfEvent);
    expect(leaked).toMatchObject({ class_uid: 6003, activity_id: 99, type_uid: 600399, severity_id: 4 });
    expect(locked).toMatchObject({ class_uid: 6003, severity_id: 4 });
  });

  it('CloudEvents: id, type, source and the chain as extension attributes', () => {
    const event = cloudEvent(records[0] as AuditRecord);
    expect(event).toMatchObject({
      specversion: '1.0',
      id: 'audit-1',
      source: 'urn:accesskey-bot:audit',
      type: 'com.accesskeybot.audit.key.created',
      subject: 'ak_0123456789abcdefABCD',
      seq: 1,
      prevhash: GENESIS_HASH,
    });
    const batch = webhookBody('cloudevents-batch', records);
    expect(batch.contentType).toBe('application/cloudevents-batch+json');
    expect(JSON.parse(batch.body)).toHaveLength(5);
  });

  it.each(['json', 'cloudevents', 'ocsf'] as StreamFormat[])('every record reads back from %s and verifies as a file', (format) => {
    const lines = records.map((record) => JSON.stringify(formatRecord(format, record)));
    expect(lines.map((line) => recordsOfLine(line)[0])).toEqual(records);
    expect(verifyChainLines(lines)).toEqual({ ok: true, records: 5, firstSeq: 1, lastSeq: 5 });
  });

  it('the verifier names a gap, an edit, a relink, a reorder, and accepts a repeat', () => {
    const lines = records.map((record) => JSON.stringify(formatRecord('json', record)));
    expect(verifyChainLines([lines[0], lines[1], lines[3], lines[4]] as string[])).toMatchObject({
      ok: false,
      problem: 'missing',
      seq: 3,
      line: 3,
    });
    expect(verifyChainLines(lines.map((l, i) => (i === 1 ? l.replace('"keys":1', '"keys":0') : l)))).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 2,
    });
    expect(verifyChainLines([lines[0], lines[1], lines[1], lines[2]] as string[])).toMatchObject({ ok: true, records: 3 });
    expect(verifyChainLines([lines[0], lines[2], lines[1]] as string[])).toMatchObject({ ok: false });
    expect(verifyChainLines([lines[1], lines[0]] as string[])).toMatchObject({ ok: false, problem: 'out_of_order', line: 2 });
    expect(verifyChainLines(['not json'])).toMatchObject({ ok: false, problem: 'unreadable', line: 1 });
    // A CloudEvents batch line holds several records.
    expect(verifyChainLines([webhookBody('cloudevents-batch', records).body])).toMatchObject({ ok: true, records: 5 });
  });
});
