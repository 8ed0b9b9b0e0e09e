import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { ADMIN, ALICE, startApi, type ApiHarness } from '../http/harness.js';

/**
 * Reliability checklist A4/A5 beyond test/http/verify.test.ts: a key revoked by an admin and a key
 * reported compromised are INACTIVE, a key whose secret was never delivered is NOT_FOUND, and every
 * refusal has one shape and one status, so an unknown key looks exactly like a revoked one.
 */
const VERIFY = '/v1/keys/verify';

describe.each(dialects)('verify answers for every kind of unusable key on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('revoked and compromised keys are INACTIVE, an undelivered one NOT_FOUND, all with the same status and shape as an unknown key', async () => {
    const revoked = await h.createKey('revoked');
    const compromised = await h.createKey('compromised');
    await h.services.keys.deactivate(ADMIN, revoked.id);
    await h.services.keys.reportCompromised(ALICE, compromised.id);
    const undelivered = await h.services.keys.create('UBOB', { name: 'in-flight', expiry: { kind: 'never' } }, { deliverLater: true });
    if (!undelivered.created) throw new Error('expected a new key');
    expect((await h.store.read.keys.findById(revoked.id))?.status).toBe('revoked');

    const replies = {
      unknown: await h.post(VERIFY, { key: generateSecret() }),
      revoked: await h.post(VERIFY, { key: revoked.secret }),
      compromised: await h.post(VERIFY, { key: compromised.secret }),
      undelivered: await h.post(VERIFY, { key: undelivered.secret }),
    };
    expect(Object.fromEntries(Object.entries(replies).map(([what, reply]) => [what, [reply.status, reply.json]]))).toEqual({
      unknown: [200, { valid: false, code: 'NOT_FOUND' }],
      revoked: [200, { valid: false, code: 'INACTIVE' }],
      compromised: [200, { valid: false, code: 'INACTIVE' }],
      undelivered: [200, { valid: false, code: 'NOT_FOUND' }],
    });
    // Same headers apart from the per-request ones: nothing tells a revoked key from an unknown one but its code.
    const headerNames = (what: keyof typeof replies) =>
      [...replies[what].headers.keys()].filter((name) => !['x-request-id', 'date', 'content-length'].includes(name)).sort();
    expect(headerNames('revoked')).toEqual(headerNames('unknown'));
  });
});
