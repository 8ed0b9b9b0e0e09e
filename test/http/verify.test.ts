import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf, generateSecret } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';
import { ALICE, rawRequest, startApi, type ApiHarness } from './harness.js';

const VERIFY = '/v1/keys/verify';

describe.each(dialects)('POST /v1/keys/verify on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('a valid key is answered 200 with its key ID, role name, owner and expiry', async () => {
    const key = await h.createKey('ci');
    const reply = await h.post(VERIFY, { key: key.secret });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      valid: true,
      keyId: key.id,
      role: 'Account Group Read Only',
      owner: ALICE,
      expiresAt: null,
      permissions: [],
    });
  });

  it('a well-formed key that was never issued is NOT_FOUND, with status 200', async () => {
    const reply = await h.post(VERIFY, { key: generateSecret() });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('an inactive key is INACTIVE and a deleted key is NOT_FOUND', async () => {
    const off = await h.createKey('off');
    const gone = await h.createKey('gone');
    await h.services.keys.deactivate(ALICE, off.id);
    await h.services.keys.delete(ALICE, { reference: gone.id });
    expect((await h.post(VERIFY, { key: off.secret })).json).toEqual({ valid: false, code: 'INACTIVE' });
    expect((await h.post(VERIFY, { key: gone.secret })).json).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('a key answered from the cache, without a query, is refused by the very next request after a change, and its answer follows every change', async () => {
    const key = await h.createKey('cached');
    const first = await h.post(VERIFY, { key: key.secret });
    expect(first.json).toEqual({
      valid: true,
      keyId: key.id,
      role: 'Account Group Read Only',
      owner: ALICE,
      expiresAt: null,
      permissions: [],
    });
    // Answered from the cache: no query, and the same answer (PostgreSQL trusts its cache once LISTEN is up).
    await until(async () => {
      const before = h.queries.count;
      const again = await h.post(VERIFY, { key: key.secret });
      expect(again.text).toBe(first.text);
      return h.queries.count === before;
    }, 'a verify answered from the cache');
    // A new expiry shows in the very next answer (the serialised answer belonged to the dropped entry).
    const expiresAt = new Date(h.clock.now().getTime() + 86_400_000);
    await h.services.keys.extend(ALICE, { reference: key.id, expiry: { kind: 'at', at: expiresAt } });
    const extended = await h.post(VERIFY, { key: key.secret });
    expect(extended.json).toEqual({
      valid: true,
      keyId: key.id,
      role: 'Account Group Read Only',
      owner: ALICE,
      expiresAt: expect.any(String),
      permissions: [],
    });
    expect(extended.text).not.toBe(first.text);
    await h.post(VERIFY, { key: key.secret });
    await h.services.keys.deactivate(ALICE, key.id);
    expect((await h.post(VERIFY, { key: key.secret })).json).toEqual({ valid: false, code: 'INACTIVE' });
  });

  it('the expiry boundary is exact: valid 1 ms before expires_at, EXPIRED at it and 1 ms after', async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 60_000);
    const key = await h.createKey('short', { expiresAt });
    h.clock.set(new Date(expiresAt.getTime() - 1));
    expect((await h.post(VERIFY, { key: key.secret })).json).toMatchObject({ valid: true, expiresAt: expiresAt.toISOString() });
    h.clock.set(expiresAt);
    expect((await h.post(VERIFY, { key: key.secret })).json).toEqual({ valid: false, code: 'EXPIRED' });
    h.clock.set(new Date(expiresAt.getTime() + 1));
    expect((await h.post(VERIFY, { key: key.secret })).json).toEqual({ valid: false, code: 'EXPIRED' });
  });

  describe('malformed keys are answered MALFORMED with status 200, without any database query', () => {
    const valid = generateSecret();
    const body = valid.slice(0, -6);
    const cases: Array<[string, unknown]> = [
      ['a body without a key field', {}],
      ['a null key', { key: null }],
      ['a numeric key', { key: 42 }],
      ['an array key', { key: [valid] }],
      ['an object key', { key: { key: valid } }],
      ['a JSON null body', null],
      ['a JSON array body', [valid]],
      ['a JSON string body', valid],
      ['an empty key', { key: '' }],
      ['a key with the wrong prefix', { key: `akx_${valid.slice(4)}` }],
      ['a key with a bad checksum', { key: body + (valid.endsWith('A') ? 'BBBBBB' : 'AAAAAA') }],
      ['a 300-character key', { key: `aks_${'a'.repeat(296)}` }],
      ['a key with a NUL character', { key: `${valid.slice(0, 10)}\u0000${valid.slice(11)}` }],
      ['a key with a trailing space', { key: `${valid} ` }],
      ['a key with a newline', { key: `${valid}\n` }],
      ['a key with a Cyrillic look-alike letter in its body', { key: `${valid.slice(0, 10)}\u0430${valid.slice(11)}` }],
      ['a key with a Cyrillic look-alike letter in its prefix', { key: `\u0430${valid.slice(1)}` }],
      ['a key of non-base62 characters with a matching checksum', { key: `aks_${'-'.repeat(40)}${checksumOf(`aks_${'-'.repeat(40)}`)}` }],
    ];
    it.each(cases)('%s', async (_name, payload) => {
      const before = h.queries.count;
      const reply = await h.post(VERIFY, payload);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ valid: false, code: 'MALFORMED' });
      expect(h.queries.count - before).toBe(0);
    });
  });

  it('MALFORMED is still answered with the database closed, while a well-formed key then gets a 5xx JSON error', async () => {
    await h.db.store.close();
    const malformed = await h.post(VERIFY, { key: 'aks_nope' });
    expect(malformed.status).toBe(200);
    expect(malformed.json).toEqual({ valid: false, code: 'MALFORMED' });
    const wellFormed = await h.post(VERIFY, { key: generateSecret() });
    // A closed pool is a fault (500), a lost connection is "unavailable" (503): either way a JSON error.
    expect(wellFormed.status).toBeGreaterThanOrEqual(500);
    expect(['internal', 'unavailable']).toContain(wellFormed.json.error);
    expect(wellFormed.text).not.toMatch(/destroyed|at .*\.(ts|js)/);
  });

  it('a body that is not JSON is 400 invalid_request, with the request id in the body and the header', async () => {
    const reply = await h.postRaw(VERIFY, '{"key": ');
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'invalid_request', message: expect.any(String), requestId: reply.headers.get('x-request-id') });
    expect(reply.text).not.toMatch(/at .*\.ts|Error:/);
  });

  it('a body declared larger than 8 KB is refused with 413 before a byte of it is read', async () => {
    const reply = await h.postRaw(VERIFY, JSON.stringify({ key: 'x'.repeat(10 * 1024) }));
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ error: 'payload_too_large' });
    expect(reply.headers.get('connection')).toBe('close');
  });

  it('a declared Content-Length over 8 KB is answered 413 at once, without waiting for the body', async () => {
    // Only 10 of the 100,000 announced bytes are ever sent: an answer proves nothing was waited for.
    const result = await rawRequest(h.base, {
      path: VERIFY,
      headers: { 'content-type': 'application/json', 'content-length': '100000' },
      chunks: ['{"key":"aa'],
      keepOpen: true,
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'payload_too_large' });
  });

  it('a chunked 100 MB body is cut off at 8 KB: 413 arrives long before the client could send it all', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    function* hundredMegabytes() {
      for (let i = 0; i < 1600; i++) yield chunk;
    }
    const result = await rawRequest(h.base, {
      path: VERIFY,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: hundredMegabytes(),
    });
    expect(result.status).toBe(413);
    // The server stopped reading: what left the client is what fits in the sockets' buffers (≈4 MB here).
    expect(result.bytesSent).toBeLessThan(16 * 1024 * 1024);
    // The server is still fine for everyone else.
    expect((await h.post(VERIFY, { key: 'aks_x' })).json).toEqual({ valid: false, code: 'MALFORMED' });
  });

  it.each([
    ['plain', `${VERIFY}?key=aks_abc`],
    ['percent-encoded', `${VERIFY}?k=%61ks_abc`],
    ['in the path', `/v1/keys/aks_abc`],
  ])('a secret in the URL (%s) is refused with 400 secret_in_url', async (_how, path) => {
    const reply = await h.post(path, {});
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'secret_in_url' });
  });

  it('an unknown path is 404 and a wrong method is 405, both as JSON errors', async () => {
    const missing = await h.get('/v1/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 'not_found' });
    const wrongMethod = await h.get(VERIFY);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json).toMatchObject({ error: 'method_not_allowed' });
  });

  it('well-formed unknown keys from one client are throttled with 429 and Retry-After; other clients carry on', async () => {
    const key = await h.createKey('ci');
    const attacker = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 60; i++)
      expect((await h.post(VERIFY, { key: generateSecret() }, attacker)).json).toEqual({ valid: false, code: 'NOT_FOUND' });
    const throttled = await h.post(VERIFY, { key: generateSecret() }, attacker);
    expect(throttled.status).toBe(429);
    expect(throttled.json).toMatchObject({ error: 'too_many_requests' });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const bystander = await h.post(VERIFY, { key: key.secret }, { 'x-forwarded-for': '198.51.100.9' });
    expect(bystander.json).toMatchObject({ valid: true, keyId: key.id });
    h.clock.advance(60_000);
    expect((await h.post(VERIFY, { key: key.secret }, attacker)).json).toMatchObject({ valid: true });
  });

  it('malformed keys never count toward throttling: a client sending junk keeps getting answers', async () => {
    const client = { 'x-forwarded-for': '203.0.113.8' };
    for (let i = 0; i < 100; i++) expect((await h.post(VERIFY, { key: `aks_${i}` }, client)).status).toBe(200);
  });

  it('IPv6 clients are throttled per /64, so rotating addresses inside one network does not help', async () => {
    for (let i = 0; i < 60; i++)
      await h.post(VERIFY, { key: generateSecret() }, { 'x-forwarded-for': `2001:db8:1:2::${(i + 1).toString(16)}` });
    expect((await h.post(VERIFY, { key: generateSecret() }, { 'x-forwarded-for': '2001:db8:1:2:ffff::1' })).status).toBe(429);
    expect((await h.post(VERIFY, { key: generateSecret() }, { 'x-forwarded-for': '2001:db8:1:3::1' })).status).toBe(200);
  });

  it('no log line ever contains a secret, whatever was sent', async () => {
    const key = await h.createKey('ci');
    await h.post(VERIFY, { key: key.secret });
    await h.post(`${VERIFY}?key=${key.secret}`, {});
    await h.postRaw(VERIFY, `{"key": "${key.secret}"`);
    await h.db.store.close();
    await h.post(VERIFY, { key: key.secret });
    expect(h.logs.length).toBeGreaterThan(0);
    for (const line of h.logs) expect(line).not.toContain(key.secret.slice(4));
  });
});
