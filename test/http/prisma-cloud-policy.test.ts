import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { DAY_MS } from '../support/domain.js';
import { ADMIN, ALICE, startApi, type ApiHarness } from './harness.js';
import { call, loginAs, redlockCode } from './prisma-cloud-support.js';

const ROLE = 'Account Group Read Only';

describe.each(dialects)('the key API under a role lifetime policy on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const create = (token: string, body: unknown) => call(h.base, 'POST', '/access_keys', { token, body: JSON.stringify(body) });
  const aliceKeys = async () => (await h.services.keys.list(ALICE, { allRoles: true })).keys.map((v) => v.key.name);

  it('POST /access_keys with an expiry beyond max-days is a 400 naming the policy, and creates nothing', async () => {
    const token = await loginAs(h.base, await h.createKey('ci'));
    await h.services.roles.setPolicy(ADMIN, { name: ROLE, change: { setting: 'max-days', value: 30 } });
    const reply = await create(token, { name: 'too-long', expiresOn: h.clock.now().getTime() + 31 * DAY_MS });
    expect(reply.status).toBe(400);
    expect(redlockCode(reply)).toBe('expiry_not_allowed_by_role_policy');
    expect(reply.body).toMatchObject({ message: expect.stringContaining(`The ${ROLE} policy says keys expire within 30 days`) });
    expect(await aliceKeys()).toEqual(['ci']);
    expect(h.logs.join('\n')).not.toContain('http route failed');
  });

  it('POST /access_keys with no expiry under expiry-required is the same 400, and one inside the policy is created', async () => {
    const token = await loginAs(h.base, await h.createKey('ci'));
    await h.services.roles.setPolicy(ADMIN, { name: ROLE, change: { setting: 'expiry-required', value: true } });
    for (const body of [{ name: 'never' }, { name: 'never', expiresOn: 0 }, { name: 'never', expiresOn: null }]) {
      const reply = await create(token, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(redlockCode(reply)).toBe('expiry_not_allowed_by_role_policy');
    }
    const ok = await create(token, { name: 'dated', expiresOn: h.clock.now().getTime() + 10 * DAY_MS });
    expect(ok.status).toBe(200);
    expect((await aliceKeys()).sort()).toEqual(['ci', 'dated']);
  });
});
