import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { DAY_MS } from '../support/domain.js';
import { ALICE, startApi, type ApiHarness } from './harness.js';
import { call, loginAs, redlockCode } from './prisma-cloud-support.js';

describe.each(dialects)('key API expiry answers on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const post = (token: string, body: unknown) => call(h.base, 'POST', '/access_keys', { token, body: JSON.stringify(body) });

  it('an expiresOn written in seconds is refused with a hint that it is milliseconds, and creates nothing', async () => {
    const token = await loginAs(h.base, await h.createKey('ci'));
    const seconds = Math.floor((h.clock.now().getTime() + 30 * DAY_MS) / 1000);
    const reply = await post(token, { name: 'in-seconds', expiresOn: seconds });
    expect(reply.status).toBe(400);
    expect(redlockCode(reply)).toBe('invalid_expiry_access_key');
    const message = (reply.body as { message: string }).message;
    expect(message).toContain('expiresOn is in epoch milliseconds');
    expect(message).toContain(`send ${seconds * 1000}`);
    expect((await h.services.keys.list(ALICE)).keys.map((k) => k.key.name)).toEqual(['ci']);
    // A past time in milliseconds is still just "in the past".
    const past = await post(token, { name: 'late', expiresOn: h.clock.now().getTime() - 1 });
    expect((past.body as { message: string }).message).not.toContain('seconds');
  });

  it('activating an expired key says to extend it first, without saying it can never be active again', async () => {
    const admin = await loginAs(h.base, await h.createKey('auto'));
    const lapsing = await h.createKey('lapsing', { expiresAt: new Date(h.clock.now().getTime() + 60_000) });
    await h.services.keys.deactivate(ALICE, lapsing.id);
    h.clock.advance(120_000);
    const reply = await call(h.base, 'PATCH', `/access_keys/${lapsing.id}/status/true`, { token: admin });
    expect(redlockCode(reply)).toBe('expired_access_key');
    const message = (reply.body as { message: string }).message;
    expect(message).toContain('Extend its expiry first, then make it active');
    expect(message).not.toContain('cannot be made active again');
  });
});
