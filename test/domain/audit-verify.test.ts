import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crossCheckMirror, describeVerification, settingsWitness, verifyAudit, type MirroredHash } from '../../src/domain/audit-verify.js';
import type { Services } from '../../src/domain/services.js';
import { fileWitness } from '../../src/db/audit-witness-file.js';
import { dropTailAfter, rewriteChainFrom } from '../support/audit-tamper.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice } from '../support/domain.js';

describe.each(dialects)('audit verification beyond the chain walk on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  /** What the security channel saw: every record's hash as the mirror posted it. */
  let posted: MirroredHash[];

  beforeEach(async () => {
    ({ db, services } = await domainWithAlice(dialect));
    for (const name of ['a', 'b']) await services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
    await services.keys.deactivate('UALICE', 'a');
    await services.keys.delete('UALICE', { reference: 'b' });
    posted = (await db.store.read.audit.listAscending(0, 100)).map((r) => ({ seq: r.seq, hash: r.hash }));
  });
  afterEach(async () => db.cleanup());

  it('an untouched log matches every posted hash, full or shortened', async () => {
    const check = await crossCheckMirror(
      db.store.read,
      posted.map((p, i) => (i % 2 === 0 ? p : { seq: p.seq, hash: p.hash.slice(0, 12) })),
    );
    expect(check).toEqual({
      posted: posted.length,
      matched: posted.length,
      matchedThrough: posted.at(-1)?.seq,
      lastPostedSeq: posted.at(-1)?.seq,
    });
  });

  it('a wholesale rewrite passes the chain walk but the cross-check names the first rewritten record', async () => {
    await rewriteChainFrom(db, 3, { actorId: 'UMALLORY' });
    const result = await verifyAudit(db.store.read, async () => posted);
    expect(result.chain).toMatchObject({ ok: true });
    expect(result.mirror).toMatchObject({ matchedThrough: 2, firstMismatch: { seq: 3, problem: 'hash_differs' }, matched: 2 });
    expect(describeVerification(result).join('\n')).toContain('MISMATCH: record #3');
  });

  it('a dropped tail with the head rewound passes the chain walk but the cross-check finds posted records missing', async () => {
    await dropTailAfter(db, 4);
    const result = await verifyAudit(db.store.read, async () => posted);
    expect(result.chain).toMatchObject({ ok: true, records: 4 });
    expect(result.mirror).toMatchObject({ matchedThrough: 4, firstMismatch: { seq: 5, problem: 'missing_from_log' } });
  });

  it('the tail witness raises one priority alert record when the chain no longer continues from what it saw', async () => {
    const witness = settingsWitness(db.store.settings);
    expect(await services.audit.checkTail(witness)).toMatchObject({ ok: true });
    const seen = await db.store.read.audit.readHead();
    await dropTailAfter(db, seen.seq - 2);
    const check = await services.audit.checkTail(witness);
    expect(check).toMatchObject({ ok: false, seen, found: null, alertSeq: seen.seq - 1 });
    const alert = await db.store.read.audit.findBySeq(seen.seq - 1);
    expect(alert).toMatchObject({
      action: 'audit.tail_mismatch',
      actorId: 'system',
      details: { seenSeq: seen.seq, foundHash: null, headSeqBefore: seen.seq - 2 },
    });
    const priority = await sql<{ priority: number }>`select priority from audit_outbox where seq = ${seen.seq - 1}`.execute(
      db.connection.db,
    );
    expect(Number(priority.rows[0]?.priority)).toBe(1);
    // The witness moved to the new head: the same state is not reported again.
    expect(await services.audit.checkTail(witness)).toMatchObject({ ok: true });
  });

  it('the tail witness also sees a rewrite that recomputed every hash', async () => {
    const witness = settingsWitness(db.store.settings);
    await services.audit.checkTail(witness);
    await rewriteChainFrom(db, 1, { actorId: 'UMALLORY' });
    const check = await services.audit.checkTail(witness);
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.found).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a witness that keeps up with normal writes never alerts', async () => {
    const witness = settingsWitness(db.store.settings);
    await services.audit.checkTail(witness);
    await services.keys.create('UALICE', { name: 'c', expiry: { kind: 'never' } });
    expect(await services.audit.advanceWitness(witness)).toMatchObject({ ok: true });
    expect(await witness.read()).toEqual(await db.store.read.audit.readHead());
  });
});

describe('the file witness', () => {
  it('keeps the head in a file, reads nothing when there is none, and refuses a garbled one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akb-witness-'));
    try {
      const witness = fileWitness(join(dir, 'sub', 'w.json'));
      expect(await witness.read()).toBeUndefined();
      const head = { seq: 7, hash: 'ab'.repeat(32) };
      await witness.write(head);
      expect(await witness.read()).toEqual(head);
      writeFileSync(join(dir, 'sub', 'w.json'), '{"seq": "x"}');
      await expect(witness.read()).rejects.toThrow(/not a valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
