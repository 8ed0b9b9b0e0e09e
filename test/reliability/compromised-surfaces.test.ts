import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { ALICE, startApi, type ApiHarness } from '../http/harness.js';
import { adminKeyInSystemAdmin, call, loginAs, redlockCode } from '../http/prisma-cloud-support.js';

/**
 * A key reported compromised, seen through every integration surface that reads a key's status: the
 * key API's status string and activation, verify, and the keys-by-status metric.
 */
describe.each(dialects)('a compromised key on the integration surfaces, on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('is inactive in the key API and the metric, INACTIVE on verify, and only a System Admin key can make it active again', async () => {
    const caller = await h.createKey('ci');
    const victim = await h.createKey('leaked');
    await h.services.keys.reportCompromised(ALICE, victim.id);
    const token = await loginAs(h.base, caller);

    expect(((await call(h.base, 'GET', `/access_keys/${victim.id}`, { token })).body as { status: string }).status).toBe('inactive');
    expect((await h.post('/v1/keys/verify', { key: victim.secret })).json).toEqual({ valid: false, code: 'INACTIVE' });
    const metrics = (await h.metrics()).text;
    expect(metrics).toMatch(/akb_keys\{status="active"\} 1\b/);
    expect(metrics).toMatch(/akb_keys\{status="inactive"\} 1\b/);

    // Neither the owner's own key nor a status PATCH to false lifts or changes it.
    const byOwner = await call(h.base, 'PATCH', `/access_keys/${victim.id}/status/true`, { token });
    expect(byOwner.status).toBe(403);
    expect(redlockCode(byOwner)).toBe('unauthorized_to_use_access_keys');
    expect((await call(h.base, 'PATCH', `/access_keys/${victim.id}/status/false`, { token })).status).toBe(200);
    expect((await h.store.read.keys.findById(victim.id))?.status).toBe('compromised');

    const adminToken = await loginAs(h.base, await adminKeyInSystemAdmin(h));
    expect((await call(h.base, 'PATCH', `/access_keys/${victim.id}/status/true`, { token: adminToken })).status).toBe(200);
    expect((await h.post('/v1/keys/verify', { key: victim.secret })).json).toMatchObject({ valid: true, keyId: victim.id });
  });
});
