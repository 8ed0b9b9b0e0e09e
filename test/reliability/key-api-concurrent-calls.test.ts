import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { startApi, type ApiHarness } from '../http/harness.js';
import { call, loginAs } from '../http/prisma-cloud-support.js';

/**
 * The key API's per-client throttle counts invalid tokens (guesses). A genuine token is no guess: an
 * automation making many calls at once from one address must get every one answered, not 429s because
 * its own calls were counted as attempts while in flight.
 */
describe.each(dialects)('concurrent key API calls with a genuine token on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('100 calls at once from one client are all answered 200, and bad tokens from it are still throttled after 10', async () => {
    const token = await loginAs(h.base, await h.createKey('ci'));
    const replies = await Promise.all(Array.from({ length: 100 }, () => call(h.base, 'GET', '/access_keys', { token })));
    const counts: Record<string, number> = {};
    for (const reply of replies) counts[String(reply.status)] = (counts[String(reply.status)] ?? 0) + 1;
    expect(counts).toEqual({ 200: 100 });
    const bad = await Promise.all(Array.from({ length: 30 }, () => call(h.base, 'GET', '/access_keys', { token: 'not-a-token' })));
    expect(bad.filter((reply) => reply.status === 401).length).toBeLessThanOrEqual(10);
    expect(bad.filter((reply) => reply.status === 429).length).toBeGreaterThanOrEqual(20);
  });
});
