import { SignJWT, decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyId, generateSecret } from '../../src/domain/secrets.js';
import { TOKEN_TTL_SECONDS } from '../../src/http/tokens.js';
import { dialects } from '../support/db.js';
import { ALICE, BOB, startApi, type ApiHarness } from './harness.js';

const LOGIN = '/login';
const EXTEND = '/auth_token/extend';

describe.each(dialects)('POST /login and GET /auth_token/extend on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const login = (username: unknown, password: unknown, client = '192.0.2.10') =>
    h.post(LOGIN, { username, password }, { 'x-forwarded-for': client });
  const extend = (token: string | undefined, client = '192.0.2.10') =>
    h.get(EXTEND, token === undefined ? { 'x-forwarded-for': client } : { 'x-redlock-auth': token, 'x-forwarded-for': client });
  const tokenOf = (reply: { json: Record<string, unknown> }): string => {
    const token = reply.json.token;
    if (typeof token !== 'string') throw new Error(`no token in ${JSON.stringify(reply.json)}`);
    return token;
  };

  it('a key ID and its secret get 200 and an HS256 token naming key, owner and role, valid 10 minutes', async () => {
    const key = await h.createKey('ci');
    const reply = await login(key.id, key.secret);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(tokenOf(reply));
    expect(claims).toMatchObject({ sub: key.id, owner: ALICE, role: 'Account Group Read Only', iss: 'access-key-bot' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(TOKEN_TTL_SECONDS);
    expect(claims.iat).toBe(Math.floor(h.clock.now().getTime() / 1000));
  });

  it('every kind of wrong credential gets the same 401 body, with nothing saying which part was wrong', async () => {
    const key = await h.createKey('ci');
    const other = await h.createKey('other');
    const off = await h.createKey('off', { owner: BOB });
    await h.services.keys.deactivate(BOB, off.id);
    const soon = await h.createKey('soon', { owner: BOB, expiresAt: new Date(h.clock.now().getTime() + 1000) });
    const gone = await h.createKey('gone', { owner: 'UADMIN' });
    await h.services.keys.delete('UADMIN', { reference: gone.id });
    h.clock.advance(1000);
    const attempts: Array<[string, unknown, unknown]> = [
      ['unknown key ID', generateKeyId(), key.secret],
      ['wrong secret', key.id, generateSecret()],
      ["another key's secret", key.id, other.secret],
      ['inactive key', off.id, off.secret],
      ['expired key', soon.id, soon.secret],
      ['deleted key', gone.id, gone.secret],
      ['malformed secret', key.id, 'aks_short'],
      ['username that is no key ID', 'alice', key.secret],
    ];
    const bodies = new Set<string>();
    for (const [name, username, password] of attempts) {
      // Each from its own client, so throttling stays out of the picture.
      const reply = await login(username, password, `192.0.2.${100 + bodies.size}`);
      expect(reply.status, name).toBe(401);
      const { requestId: _requestId, ...rest } = reply.json;
      bodies.add(JSON.stringify(rest));
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: 'unauthorized', message: 'Invalid access key ID or secret key.' })]);
  });

  it.each<[string, string]>([
    ['not JSON', '{"username": "ak_'],
    ['a missing password', JSON.stringify({ username: 'ak_0123456789abcdefABCD' })],
    ['a numeric username', JSON.stringify({ username: 7, password: 'x' })],
    ['null fields', JSON.stringify({ username: null, password: null })],
    ['an array', JSON.stringify(['ak_0123456789abcdefABCD', 'aks_x'])],
    ['a JSON null', 'null'],
    ['an empty body', ''],
  ])('a malformed body (%s) is 400 invalid_request', async (_name, body) => {
    const reply = await h.postRaw(LOGIN, body);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'invalid_request', requestId: expect.any(String) });
  });

  it('a login body over 8 KB is 413', async () => {
    const reply = await h.post(LOGIN, { username: 'ak_x', password: 'p'.repeat(9000) });
    expect(reply.status).toBe(413);
  });

  it('extend gives a fresh token for a valid one while the key stays usable', async () => {
    const key = await h.createKey('ci');
    const first = tokenOf(await login(key.id, key.secret));
    h.clock.advance(5 * 60_000);
    const reply = await extend(first);
    expect(reply.status).toBe(200);
    const second = tokenOf(reply);
    expect(second).not.toBe(first);
    expect(decodeJwt(second)).toMatchObject({ sub: key.id, owner: ALICE, iat: Math.floor(h.clock.now().getTime() / 1000) });
    h.clock.advance(9 * 60_000);
    expect((await extend(second)).status).toBe(200);
  });

  it('a key made inactive after login can no longer extend its token: 401', async () => {
    const key = await h.createKey('ci');
    const token = tokenOf(await login(key.id, key.secret));
    await h.services.keys.deactivate(ALICE, key.id);
    const reply = await extend(token);
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ error: 'invalid_token' });
  });

  it('a key deleted or expired after login can no longer extend its token: 401', async () => {
    const deleted = await h.createKey('deleted');
    const expiring = await h.createKey('expiring', { expiresAt: new Date(h.clock.now().getTime() + 60_000) });
    const deletedToken = tokenOf(await login(deleted.id, deleted.secret));
    const expiringToken = tokenOf(await login(expiring.id, expiring.secret));
    await h.services.keys.delete(ALICE, { reference: deleted.id });
    h.clock.advance(60_000);
    expect((await extend(deletedToken)).status).toBe(401);
    expect((await extend(expiringToken)).status).toBe(401);
  });

  it('a missing, tampered, foreign-signed or expired token is 401', async () => {
    const key = await h.createKey('ci');
    const token = tokenOf(await login(key.id, key.secret));
    const [header = '', payload = '', signature = ''] = token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: generateKeyId() })).toString('base64url')}.${signature}`;
    const foreign = await new SignJWT({ owner: ALICE })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(key.id)
      .setIssuer('access-key-bot')
      .setAudience('access-key-bot:integration-api')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const [name, value] of [
      ['missing', undefined],
      ['garbage', 'not-a-jwt'],
      ['tampered', tampered],
      ['foreign', foreign],
      ['alg none', unsigned],
    ] as const) {
      const reply = await extend(value, `192.0.2.${name.length}`);
      expect(reply.status, name).toBe(401);
    }
    h.clock.advance(TOKEN_TTL_SECONDS * 1000);
    expect((await extend(token)).status).toBe(401);
  });

  it('ten failed logins from one client make the eleventh 429 with Retry-After; other clients and keys carry on', async () => {
    const target = await h.createKey('target');
    const bystander = await h.createKey('bystander');
    const attacker = '203.0.113.5';
    for (let i = 0; i < 10; i++) expect((await login(target.id, generateSecret(), attacker)).status).toBe(401);
    const refused = await login(target.id, target.secret, attacker);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: 'too_many_requests' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The attacker's address is locked, also for extend; other clients and keys are not.
    expect((await extend('x', attacker)).status).toBe(429);
    expect((await login(bystander.id, bystander.secret, '198.51.100.1')).status).toBe(200);
    h.clock.advance(60_000);
    expect((await login(target.id, target.secret, attacker)).status).toBe(200);
  });

  it('failures spread over many clients lock the key ID against more guesses, never against its real secret', async () => {
    const key = await h.createKey('ci');
    const integration = '198.51.100.20';
    expect((await login(key.id, key.secret, integration)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await login(key.id, generateSecret(), `203.0.113.${i + 1}`)).status).toBe(401);
    // More guesses from a fresh address are throttled …
    const guess = await login(key.id, generateSecret(), '203.0.113.201');
    expect(guess.status).toBe(429);
    expect(Number(guess.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // … but the real secret always gets in, from a fresh address or the integration's own.
    expect((await login(key.id, key.secret, '203.0.113.200')).status).toBe(200);
    expect((await login(key.id, key.secret, integration)).status).toBe(200);
  });

  it('failed logins are audited aggregated: one auth.failed record per key ID and client with a count, never the secret', async () => {
    const key = await h.createKey('ci');
    const wrong = generateSecret();
    for (let i = 0; i < 4; i++) await login(key.id, wrong, '203.0.113.9');
    await login(key.id, 'aks_junk', '203.0.113.9');
    const before = await h.services.audit.search({ limit: 100 });
    expect(before.filter((r) => r.action === 'auth.failed')).toHaveLength(0);
    await h.api.flushUsage({ all: true });
    const failed = (await h.services.audit.search({ limit: 100 })).filter((r) => r.action === 'auth.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      actorId: 'api',
      keyId: key.id,
      ownerId: ALICE,
      keyName: 'ci',
      details: { endpoint: '/login', clientAddress: '203.0.113.9', count: 5, reasons: 'malformed:1,not_found:4' },
    });
    expect(JSON.stringify(failed)).not.toContain(wrong.slice(4));
    expect((await h.services.audit.verifyChain()).ok).toBe(true);
  });

  it('failures from many addresses are capped at 20 records per flush, the smallest merged, no count lost', async () => {
    let attempts = 0;
    for (let i = 0; i < 50; i++) {
      const keyId = generateKeyId();
      for (let n = 0; n <= i % 3; n++) {
        expect((await login(keyId, generateSecret(), `203.0.113.${i + 1}`)).status).toBe(401);
        attempts += 1;
      }
    }
    await h.api.flushUsage({ all: true });
    const failed = (await h.services.audit.search({ limit: 200 })).filter((r) => r.action === 'auth.failed');
    expect(failed).toHaveLength(20);
    expect(failed.reduce((sum, r) => sum + Number(r.details.count), 0)).toBe(attempts);
    const merged = failed.filter((r) => r.details.windows !== undefined);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.details).toMatchObject({ clientAddress: 'other', windows: 31, endpoint: '/login' });
  });

  it('a failure window is written once its minute is over, not before', async () => {
    await login(generateKeyId(), generateSecret(), '203.0.113.10');
    await h.api.flushUsage();
    expect((await h.services.audit.search({ limit: 100 })).filter((r) => r.action === 'auth.failed')).toHaveLength(0);
    h.clock.advance(60_000);
    await h.api.flushUsage();
    expect((await h.services.audit.search({ limit: 100 })).filter((r) => r.action === 'auth.failed')).toHaveLength(1);
  });

  it('no log line or audit record contains the secret used to log in', async () => {
    const key = await h.createKey('ci');
    await login(key.id, key.secret);
    await login(key.id, `${key.secret}x`);
    await h.api.flushUsage({ all: true });
    const audit = JSON.stringify(await h.services.audit.search({ limit: 100 }));
    for (const text of [...h.logs, audit]) expect(text).not.toContain(key.secret.slice(4));
  });
});

describe.each(dialects)('token login without TOKEN_SIGNING_SECRET on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect, { tokenSigningSecret: undefined });
  });
  afterEach(async () => h.close());

  it('/login and /auth_token/extend answer 503 login_unavailable, a warning was logged, and verify still works', async () => {
    const key = await h.createKey('ci');
    const loginReply = await h.post(LOGIN, { username: key.id, password: key.secret });
    expect(loginReply.status).toBe(503);
    expect(loginReply.json).toMatchObject({ error: 'login_unavailable' });
    expect((await h.get(EXTEND, { 'x-redlock-auth': 'x' })).status).toBe(503);
    expect(h.logs.some((line) => line.includes('TOKEN_SIGNING_SECRET is unset'))).toBe(true);
    expect((await h.post('/v1/keys/verify', { key: key.secret })).json).toMatchObject({ valid: true });
  });
});
