import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsWitness, verifyAudit } from '../../src/domain/audit-verify.js';
import type { Services } from '../../src/domain/services.js';
import { cutTailKeepingOutbox, markAllPosted } from '../support/audit-tamper.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { domainWithAlice } from '../support/domain.js';

/**
 * The last records cut and the head rewound, while their `audit_outbox` rows (already posted to the
 * security channel) stay: the rows are evidence of the cut, and their seqs must never be written again.
 */
describe.each(dialects)('a cut audit tail whose mirror rows remain, on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;

  beforeEach(async () => {
    ({ db, services } = await domainWithAlice(dialect));
    await services.keys.create('UALICE', { name: 'a', expiry: { kind: 'never' } });
    await services.keys.deactivate('UALICE', 'a');
  });
  afterEach(async () => db.cleanup());

  it('the start-up tail check raises the tamper alert instead of failing, and audited changes go on', async () => {
    const witness = settingsWitness(db.store.settings);
    expect(await services.audit.checkTail(witness)).toMatchObject({ ok: true });
    const seen = await db.store.read.audit.readHead();
    await markAllPosted(db);
    await cutTailKeepingOutbox(db, seen.seq - 1);

    const check = await services.audit.checkTail(witness);
    expect(check).toMatchObject({ ok: false, alertSeq: seen.seq + 1 });
    expect(await db.store.read.audit.findBySeq(seen.seq + 1)).toMatchObject({
      action: 'audit.tail_mismatch',
      details: { reason: 'queued_above_head', seenSeq: seen.seq, headSeqBefore: seen.seq - 1 },
    });

    await services.keys.activate('UALICE', 'a');
    const head = await db.store.read.audit.readHead();
    expect(head.seq).toBe(seen.seq + 2);
    expect((await db.store.read.audit.findBySeq(head.seq))?.action).toBe('key.activated');
    // The chain walk still names the record that is gone.
    expect((await verifyAudit(db.store.read)).chain).toMatchObject({ ok: false, seq: seen.seq, problem: 'missing' });
    expect(await services.audit.checkTail(witness)).toMatchObject({ ok: true });
  });

  it('an audited change after a cut the witness never saw writes the alert first, then itself, and never reuses a seq', async () => {
    const before = await db.store.read.audit.readHead();
    await markAllPosted(db);
    await cutTailKeepingOutbox(db, before.seq - 1);

    await services.keys.activate('UALICE', 'a');
    const alert = await db.store.read.audit.findBySeq(before.seq + 1);
    expect(alert).toMatchObject({ action: 'audit.tail_mismatch', details: { reason: 'queued_above_head', seenSeq: before.seq } });
    expect((await db.store.read.audit.findBySeq(before.seq + 2))?.action).toBe('key.activated');
    expect((await services.audit.search({ limit: 10 })).filter((r) => r.action === 'audit.tail_mismatch')).toHaveLength(1);
  });

  it('the witness, moved forward while the app runs, notices a cut below what it saw', async () => {
    const witness = settingsWitness(db.store.settings);
    await services.audit.checkTail(witness);
    const seen = await db.store.read.audit.readHead();
    await cutTailKeepingOutbox(db, seen.seq - 1);
    await witness.write(await db.store.read.audit.readHead());
    const check = await services.audit.advanceWitness(witness);
    expect(check.ok).toBe(false);
  });
});
