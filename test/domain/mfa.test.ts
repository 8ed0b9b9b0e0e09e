import { randomBytes } from 'node:crypto';
import { Secret, TOTP, URI } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../../src/domain/mfa-crypto.js';
import { STEP_UP_LOCK_MS } from '../../src/domain/mfa.js';
import type { Services } from '../../src/domain/services.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, type TestClock } from '../support/domain.js';

const ADA = 'UADA';
const BEN = 'UBEN';
const CAL = 'UCAL';
const KEY = randomBytes(32);

/** The code an authenticator app shows at the clock's time, `steps` periods away. */
function codeAt(uri: string, clock: TestClock, steps = 0): string {
  const totp = URI.parse(uri);
  if (!(totp instanceof TOTP)) throw new Error('not a TOTP URI');
  return totp.generate({ timestamp: clock.now().getTime() + steps * 30_000 });
}

describe.each(dialects)('step-up codes (SPEC §17), on %s', (dialect) => {
  let db: TestDatabase;
  let services: Services;
  let clock: TestClock;
  afterEach(async () => db.cleanup());

  async function setUp(admins = [ADA, BEN, CAL]) {
    db = await createTestDatabase(dialect);
    ({ services, clock } = await makeServices(db.store, { admins, mfa: { key: KEY, stepUp: true, issuer: 'Access Key Bot' } }));
  }
  async function enrolled(userId: string): Promise<string> {
    const { uri } = await services.mfa.startEnrolment(userId);
    expect(await services.mfa.confirmEnrolment(userId, codeAt(uri, clock))).toEqual({ ok: true, replayed: false });
    clock.advance(30_000);
    return uri;
  }
  const audit = async (action: string) => (await services.audit.search({ limit: 100 })).filter((r) => r.action === action);

  it('enrol: a pending enrolment is confirmed by its first right code, audited, and the secret is stored only encrypted', async () => {
    await setUp();
    const { uri } = await services.mfa.startEnrolment(ADA);
    expect(uri).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+/);
    expect((await services.mfa.status(ADA)).enrolment).toBe('pending');
    const stored = await db.store.read.mfa.find(ADA);
    const secret = new URL(uri).searchParams.get('secret') ?? 'none';
    expect(stored?.secretEnc).not.toContain(secret);
    expect(decryptSecret(KEY, ADA, stored?.secretEnc ?? '')).toBe(secret);
    expect(decryptSecret(KEY, BEN, stored?.secretEnc ?? '')).toBeUndefined();
    expect(decryptSecret(randomBytes(32), ADA, stored?.secretEnc ?? '')).toBeUndefined();
    expect(await services.mfa.confirmEnrolment(ADA, '000000')).toMatchObject({ ok: false, reason: 'wrong' });
    expect(await services.mfa.confirmEnrolment(ADA, codeAt(uri, clock))).toEqual({ ok: true, replayed: false });
    expect((await services.mfa.status(ADA)).enrolment).toBe('active');
    const enrolledRecords = await audit('mfa.enrolled');
    expect(enrolledRecords).toHaveLength(1);
    expect(JSON.stringify(enrolledRecords)).not.toContain(secret);
    await expect(services.mfa.startEnrolment(ADA)).rejects.toThrow(/enrolled already/);
  });

  it('a right code passes; the same code again is refused as reused; a code one step old passes, two steps old does not', async () => {
    await setUp();
    const uri = await enrolled(ADA);
    const now = codeAt(uri, clock);
    expect(await services.mfa.checkStepUp(ADA, now)).toEqual({ ok: true, replayed: false });
    expect(await services.mfa.checkStepUp(ADA, now)).toMatchObject({ ok: false, reason: 'reused' });
    clock.advance(30_000);
    expect(await services.mfa.checkStepUp(ADA, codeAt(uri, clock, -2))).toMatchObject({ ok: false, reason: 'wrong' });
    clock.advance(30_000);
    expect(await services.mfa.checkStepUp(ADA, codeAt(uri, clock, -1))).toEqual({ ok: true, replayed: false });
    expect(await services.mfa.checkStepUp(ADA, 'abc')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a replayed submission of the code that passed is a replay, not a failure', async () => {
    await setUp();
    const uri = await enrolled(ADA);
    const code = codeAt(uri, clock);
    expect(await services.mfa.checkStepUp(ADA, code, { once: 'view:V1' })).toEqual({ ok: true, replayed: false });
    expect(await services.mfa.checkStepUp(ADA, code, { once: 'view:V1' })).toEqual({ ok: true, replayed: true });
    expect((await db.store.read.mfa.find(ADA))?.failures).toBe(0);
  });

  it('five wrong codes lock step-up for 15 minutes (audited); a right code is refused meanwhile; then it works again', async () => {
    await setUp();
    const uri = await enrolled(ADA);
    for (let i = 1; i <= 4; i++)
      expect(await services.mfa.checkStepUp(ADA, '000000')).toMatchObject({ reason: 'wrong', attemptsLeft: 5 - i });
    expect(await services.mfa.checkStepUp(ADA, '000000')).toMatchObject({ ok: false, reason: 'locked' });
    expect(await audit('mfa.locked')).toHaveLength(1);
    expect(await services.mfa.checkStepUp(ADA, codeAt(uri, clock))).toMatchObject({ ok: false, reason: 'locked' });
    expect((await services.mfa.status(ADA)).lockedUntil).not.toBeNull();
    clock.advance(STEP_UP_LOCK_MS);
    expect(await services.mfa.checkStepUp(ADA, codeAt(uri, clock))).toEqual({ ok: true, replayed: false });
  });

  it('without an enrolment step-up refuses; a non-admin cannot enrol', async () => {
    await setUp();
    await expect(services.mfa.checkStepUp(ADA, '123456')).rejects.toMatchObject({ code: 'MFA_NOT_ENROLLED' });
    await expect(services.mfa.startEnrolment('UBOB')).rejects.toMatchObject({ code: 'NOT_ADMIN' });
  });

  it('reset of another admin needs two admins when two others exist, never one’s own, and is audited', async () => {
    await setUp();
    await enrolled(CAL);
    await expect(services.mfa.reset(CAL, CAL)).rejects.toThrow(/own enrolment/);
    expect(await services.mfa.reset(ADA, CAL)).toMatchObject({ done: false, approvers: [ADA], required: 2 });
    expect((await services.mfa.status(ADA, CAL)).enrolment).toBe('active');
    expect(await services.mfa.reset(BEN, CAL)).toMatchObject({ done: true, approvers: [ADA, BEN] });
    expect((await services.mfa.status(ADA, CAL)).enrolment).toBe('none');
    expect((await audit('mfa.reset'))[0]).toMatchObject({ actorId: BEN, ownerId: CAL, details: { approvers: `${ADA},${BEN}` } });
  });

  it('with only two admins one can reset the other', async () => {
    await setUp([ADA, BEN]);
    await enrolled(BEN);
    expect(await services.mfa.reset(ADA, BEN)).toMatchObject({ done: true });
  });

  it('a compromised key is made active again only with a code passed for that very interaction; the leak is then decided', async () => {
    await setUp();
    const uri = await enrolled(ADA);
    await services.access.grant(ADA, BEN);
    const created = await services.keys.create(BEN, { name: 'svc', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    await services.leaks.report(created.secret, {
      source: 'github',
      sightingId: 'https://example.test/commit/1',
      url: 'https://example.test/commit/1',
    });
    // A press that found the key still active (no code asked) reaches the domain after the leak landed.
    await expect(services.keys.activate(ADA, created.key.id, { once: 'click:1' })).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
    await expect(services.keys.activate(ADA, created.key.id)).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
    await expect(
      services.leaks.decide(ADA, { keyId: created.key.id, decision: 'false_positive' }, { once: 'click:2' }),
    ).rejects.toMatchObject({
      code: 'STEP_UP_REQUIRED',
    });
    expect((await services.keys.verify(created.secret)).valid).toBe(false);
    expect(await services.mfa.checkStepUp(ADA, codeAt(uri, clock), { once: 'view:V9' })).toEqual({ ok: true, replayed: false });
    expect((await services.keys.activate(ADA, created.key.id, { once: 'view:V9' })).changed).toBe(true);
    expect((await services.keys.verify(created.secret)).valid).toBe(true);
    expect(await db.store.read.leaks.find(created.key.id)).toMatchObject({ resolution: 'false_positive', resolvedBy: ADA });
  });

  it('encryption: every call uses a fresh IV; a tampered value does not decrypt', () => {
    const secret = new Secret().base32;
    const a = encryptSecret(KEY, ADA, secret);
    expect(a).not.toBe(encryptSecret(KEY, ADA, secret));
    const tampered = `${a.slice(0, -2)}${a.endsWith('A') ? 'B' : 'A'}${a.slice(-1)}`;
    expect(decryptSecret(KEY, ADA, tampered)).toBeUndefined();
  });
});
