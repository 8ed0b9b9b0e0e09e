import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { startApi, type ApiHarness } from './harness.js';

const CLIENT = '192.0.2.44';

/**
 * Both token flows — GET /auth_token/extend and every call of the key API — check the token the same
 * way (src/http/token-auth.ts): a client over its limit is refused first, and only a token failing its
 * signature check is counted, so a genuine one never takes a slot of the client's failure budget.
 */
describe.each(dialects)('one token authentication for extend and the key API on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect, { limits: { authPerClient: { limit: 2, windowMs: 60_000 } } });
  });
  afterEach(async () => h.close());

  async function tokenFor(): Promise<string> {
    const key = await h.createKey('ci');
    const reply = await h.post('/login', { username: key.id, password: key.secret }, { 'x-forwarded-for': CLIENT });
    const token = reply.json.token;
    if (typeof token !== 'string') throw new Error(`no token: ${reply.text}`);
    return token;
  }
  const asClient = (token: string) => ({ 'x-redlock-auth': token, 'x-forwarded-for': CLIENT });

  it('six genuine tokens sent at once to extend and to the key API, over a failure limit of two, are all answered 200', async () => {
    const token = await tokenFor();
    const replies = await Promise.all([
      ...Array.from({ length: 6 }, () => h.get('/auth_token/extend', asClient(token))),
      ...Array.from({ length: 6 }, () => h.get('/user/me', asClient(token))),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual(new Array(12).fill(200));
  });

  it('forged tokens count on one budget for both flows: after two, extend and the key API both answer 429, even to a genuine token', async () => {
    const token = await tokenFor();
    expect((await h.get('/auth_token/extend', asClient('forged'))).status).toBe(401);
    expect((await h.get('/access_keys', asClient('forged'))).status).toBe(401);
    for (const path of ['/auth_token/extend', '/access_keys']) {
      const refused = await h.get(path, asClient(token));
      expect(refused.status, path).toBe(429);
      expect(refused.json, path).toMatchObject({ error: 'too_many_requests' });
      expect(Number(refused.headers.get('retry-after')), path).toBeGreaterThanOrEqual(1);
    }
    h.clock.advance(60_000);
    expect((await h.get('/auth_token/extend', asClient(token))).status).toBe(200);
  });
});
