import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checksumOf, generateSecret } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { startApi, type ApiHarness } from './harness.js';

const INTAKE_TOKEN = 'gitlab-intake-token-of-at-least-32-chars';

/** A key pair of our own, published the way GitHub publishes its secret scanning keys. */
function scanningKey(identifier: string): { identifier: string; privateKey: KeyObject; published: object } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    identifier,
    privateKey,
    published: { key_identifier: identifier, key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true },
  };
}

/** Serves `{ public_keys: [...] }` on loopback, as GITHUB_SCANNING_KEYS_URL would; counts fetches. */
async function keysServer(keys: () => object[]): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ public_keys: keys() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/meta/public_keys/secret_scanning`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
type Feedback = Array<{ token_hash: string; token_type: string; label: string }>;

describe.each(dialects)('the leak intake routes on %s', (dialect) => {
  let api: ApiHarness | undefined;
  let keys: Awaited<ReturnType<typeof keysServer>> | undefined;
  afterEach(async () => {
    await api?.close();
    await keys?.close();
    api = undefined;
    keys = undefined;
  });

  async function start(published: () => object[], intakeToken?: string) {
    keys = await keysServer(published);
    api = await startApi(dialect, { leakIntake: { githubKeysUrl: keys.url, ...(intakeToken === undefined ? {} : { intakeToken }) } });
    return { api, keys };
  }

  const signed = (key: ReturnType<typeof scanningKey>, body: string) => ({
    'github-public-key-identifier': key.identifier,
    'github-public-key-signature': sign('sha256', Buffer.from(body), { key: key.privateKey, dsaEncoding: 'der' }).toString('base64'),
  });

  const leaked = async (a: ApiHarness, keyId: string) =>
    (await a.services.audit.search({ keyId, limit: 100 })).filter((r) => r.action === 'key.leaked');

  it('GitHub: a signed report stops our key and answers the feedback array, without ever echoing a token', async () => {
    const current = scanningKey('k-current');
    const { api } = await start(() => [current.published]);
    const key = await api.createKey('ci');
    const stranger = generateSecret();
    const body = JSON.stringify([
      { token: key.secret, type: 'aks_secret', url: 'https://github.com/acme/app/blob/abc/config.yml', source: 'content' },
      { token: stranger, type: 'aks_secret', url: 'https://github.com/acme/app/blob/abc/other.yml', source: 'content' },
    ]);
    const reply = await api.postRaw('/scanning/github', body, signed(current, body));
    expect(reply.status).toBe(200);
    expect(reply.json as unknown as Feedback).toEqual([
      { token_hash: sha256(key.secret), token_type: 'aks_secret', label: 'true_positive' },
      { token_hash: sha256(stranger), token_type: 'aks_secret', label: 'false_positive' },
    ]);
    expect(reply.text).not.toContain(key.secret.slice(4, 12));
    expect(await api.services.keys.verify(key.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    const [record] = await leaked(api, key.id);
    expect(record?.details).toMatchObject({ source: 'github', url: 'https://github.com/acme/app/blob/abc/config.yml' });
    expect(api.services.leaks.unknownBySource().github).toBe(1);
    expect((await api.metrics()).text).toContain('akb_leak_unknown_secrets_total{source="github"} 1');
  });

  it('GitHub: a signed body that is not a list of matches is 400; keys that cannot be fetched are 503 and change nothing', async () => {
    const current = scanningKey('k-current');
    let serving = false;
    const { api, keys } = await start(() => (serving ? [current.published] : [{ broken: true }]));
    const key = await api.createKey('ci');
    const body = JSON.stringify([{ token: key.secret, type: 'aks_secret', url: 'https://github.com/a/b', source: 'content' }]);
    const unavailable = await api.postRaw('/scanning/github', body, signed(current, body));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('60');
    expect((await api.services.keys.verify(key.secret)).valid).toBe(true);
    serving = true;
    api.clock.advance(60_000);
    const notMatches = JSON.stringify({ token: key.secret });
    expect((await api.postRaw('/scanning/github', notMatches, signed(current, notMatches))).status).toBe(400);
    expect(keys.fetches()).toBe(2);
    expect((await api.services.keys.verify(key.secret)).valid).toBe(true);
  });

  it('GitHub: missing, wrong or unknown signatures are 401 and change nothing', async () => {
    const current = scanningKey('k-current');
    const impostor = scanningKey('k-current');
    const { api } = await start(() => [current.published]);
    const key = await api.createKey('ci');
    const body = JSON.stringify([{ token: key.secret, type: 'aks_secret', url: 'https://github.com/a/b', source: 'content' }]);
    expect((await api.postRaw('/scanning/github', body)).status).toBe(401);
    expect((await api.postRaw('/scanning/github', body, signed(impostor, body))).json).toMatchObject({
      error: 'scanning_signature_invalid',
    });
    expect((await api.postRaw('/scanning/github', body, signed(scanningKey('k-other'), body))).status).toBe(401);
    const tampered = body.replace('a/b', 'a/c');
    expect((await api.postRaw('/scanning/github', tampered, signed(current, body))).status).toBe(401);
    expect(
      (
        await api.postRaw('/scanning/github', body, {
          'github-public-key-identifier': 'k-current',
          'github-public-key-signature': 'bm90IGRlcg==',
        })
      ).status,
    ).toBe(401);
    expect((await api.services.keys.verify(key.secret)).valid).toBe(true);
    expect(await leaked(api, key.id)).toEqual([]);
  });

  it('GitHub: keys are cached, fetched again once for an unknown identifier, never more than once a minute', async () => {
    const first = scanningKey('k-1');
    const second = scanningKey('k-2');
    let published = [first.published];
    const { api, keys } = await start(() => published);
    const body = JSON.stringify([{ token: generateSecret(), type: 'aks_secret', url: 'https://github.com/a/b', source: 'content' }]);
    for (let i = 0; i < 3; i++) expect((await api.postRaw('/scanning/github', body, signed(first, body))).status).toBe(200);
    expect(keys.fetches()).toBe(1);
    // GitHub rotates its key: the new identifier is fetched at once... once a minute has passed.
    published = [first.published, second.published];
    expect((await api.postRaw('/scanning/github', body, signed(second, body))).status).toBe(401);
    expect(keys.fetches()).toBe(1);
    api.clock.advance(60_000);
    expect((await api.postRaw('/scanning/github', body, signed(second, body))).status).toBe(200);
    expect(keys.fetches()).toBe(2);
    // A flood of made-up identifiers costs no more fetches within the minute.
    for (let i = 0; i < 5; i++) expect((await api.postRaw('/scanning/github', body, signed(scanningKey(`x-${i}`), body))).status).toBe(401);
    expect(keys.fetches()).toBe(2);
  });

  it('GitHub: a replayed or concurrent report of the same match makes one record; 1,000 matches are answered in one call', async () => {
    const current = scanningKey('k-current');
    const { api } = await start(() => [current.published]);
    const key = await api.createKey('ci');
    const body = JSON.stringify([{ token: key.secret, type: 'aks_secret', url: 'https://github.com/a/b/blob/1/x', source: 'content' }]);
    const replies = await Promise.all([1, 2, 3].map(() => api.postRaw('/scanning/github', body, signed(current, body))));
    expect(replies.map((r) => (r.json as unknown as Feedback)[0]?.label)).toEqual(['true_positive', 'true_positive', 'true_positive']);
    expect(await leaked(api, key.id)).toHaveLength(1);

    const many = Array.from({ length: 1000 }, (_, i) => ({
      token: i === 500 ? key.secret : generateSecret(),
      type: 'aks_secret',
      url: `https://github.com/a/b/blob/2/f${i}`,
      source: 'content',
    }));
    const big = JSON.stringify(many);
    const reply = await api.postRaw('/scanning/github', big, signed(current, big));
    expect(reply.status).toBe(200);
    const feedback = reply.json as unknown as Feedback;
    expect(feedback).toHaveLength(1000);
    expect(feedback.filter((f) => f.label === 'true_positive').map((f) => f.token_hash)).toEqual([sha256(key.secret)]);
    expect(await leaked(api, key.id)).toHaveLength(2);
  });

  it('GitLab: the routes do not exist while LEAK_INTAKE_TOKEN is unset', async () => {
    const { api } = await start(() => []);
    expect((await api.get('/v1/revocable_token_types', { authorization: INTAKE_TOKEN })).status).toBe(404);
  });

  it('GitLab: types and revocation behind the token; malformed is 400; the same token twice makes one record', async () => {
    const { api } = await start(() => [], INTAKE_TOKEN);
    const key = await api.createKey('ci');
    expect((await api.get('/v1/revocable_token_types')).status).toBe(401);
    const types = await api.get('/v1/revocable_token_types', { authorization: INTAKE_TOKEN });
    expect(types.status).toBe(200);
    expect(types.json).toEqual({ types: ['aks'] });
    const report = [{ type: 'aks', token: key.secret, location: 'https://gitlab.example.com/acme/app/-/blob/main/.env' }];
    expect((await api.post('/v1/revoke_tokens', report)).status).toBe(401);
    expect((await api.post('/v1/revoke_tokens', report, { authorization: 'wrong' })).status).toBe(401);
    expect((await api.services.keys.verify(key.secret)).valid).toBe(true);
    expect((await api.post('/v1/revoke_tokens', { tokens: report }, { authorization: INTAKE_TOKEN })).status).toBe(400);
    expect((await api.post('/v1/revoke_tokens', [{ type: 'aks' }], { authorization: INTAKE_TOKEN })).status).toBe(400);
    const done = await Promise.all([1, 2].map(() => api.post('/v1/revoke_tokens', report, { authorization: INTAKE_TOKEN })));
    expect(done.map((r) => r.status)).toEqual([204, 204]);
    expect(await api.services.keys.verify(key.secret)).toEqual({ valid: false, code: 'INACTIVE' });
    const records = await leaked(api, key.id);
    expect(records).toHaveLength(1);
    expect(records[0]?.details).toMatchObject({ source: 'gitlab', url: 'https://gitlab.example.com/acme/app/-/blob/main/.env' });
    // A wrong checksum or another type is accepted (204) and touches nothing.
    const body = `aks_${'B'.repeat(40)}`;
    const fake = `${body}${checksumOf(body) === 'CCCCCC' ? 'DDDDDD' : 'CCCCCC'}`;
    expect(
      (
        await api.post(
          '/v1/revoke_tokens',
          [
            { type: 'aks', token: fake },
            { type: 'glpat', token: 'x' },
          ],
          { authorization: INTAKE_TOKEN },
        )
      ).status,
    ).toBe(204);
  });
});
