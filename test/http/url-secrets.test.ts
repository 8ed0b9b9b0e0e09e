import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, randomBase62 } from '../../src/domain/secrets.js';
import { urlCarriesSecret } from '../../src/http/url-secrets.js';
import { startTestApp, type TestApp } from '../support/app.js';

/** Every character percent-encoded, as a tool that over-escapes would send it. */
const escapeAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

/** The ways a secret can hide in a URL that the issue names, for one freshly generated secret. */
function disguises(secret: string): Array<[string, string]> {
  const body = secret.slice(4);
  return [
    ['plain', `?key=${secret}`],
    ['upper-case prefix', `?key=AKS_${body}`],
    ['only the prefix, upper-case', '?key=AKS_abc'],
    ['percent-encoded', `?key=%61ks_${body}`],
    ['double percent-encoded', `?key=%2561ks_${body}`],
    ['triple percent-encoded', `?key=%252561%25256Bs_x`],
    ['the body without its prefix', `?token=${body}`],
    ['the body, every character escaped', `?token=${escapeAll(body)}`],
    ['the body inside a longer run', `?t=abc${body}XYZ`],
    ['the body in the path', `/${body}`],
    ['escaped nine times over', `?k=${'%25'.repeat(8)}61ks_`],
  ];
}

describe('urlCarriesSecret', () => {
  it('finds a secret however it is disguised', () => {
    const secret = generateSecret();
    for (const [how, suffix] of disguises(secret)) expect(urlCarriesSecret(`/v1/keys/verify${suffix}`), how).toBe(true);
  });

  it('lets ordinary URLs through, long ids and odd escapes included', () => {
    const ordinary = [
      '/v1/keys/verify',
      '/healthz?verbose=1',
      '/slack/events',
      `/x?id=${randomBase62(46)}`,
      `/x?id=${randomBase62(200)}`,
      '/a%20b?c=%zz%',
      '/caseAks', // "aks" without the underscore is a word, not a prefix
      `/x?jwt=${randomBase62(36)}.${randomBase62(120)}.${randomBase62(43)}`,
    ];
    for (const url of ordinary) expect(urlCarriesSecret(url), url).toBe(false);
  });

  // How cheap the scan is, is counted in test/http/url-limits.test.ts and timed by `npm run bench:url-secrets`.
  it('flags none of 20,000 ordinary URLs with random trace values', () => {
    const urls = Array.from({ length: 20_000 }, (_, i) => `/v1/keys/verify?request=${i}&trace=${randomBase62(16)}`);
    let found = 0;
    for (const url of urls) if (urlCarriesSecret(url)) found += 1;
    expect(found).toBe(0);
  });
});

describe('a secret in the URL is refused on every route (the real app in HTTP mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  it.each(['/slack/events', '/login', '/v1/keys/verify', '/auth_token/extend', '/healthz', '/no/such/path'])(
    'on %s, every disguise is 400 secret_in_url',
    async (path) => {
      const secret = generateSecret();
      for (const [how, suffix] of disguises(secret)) {
        const url = suffix.startsWith('/') ? `${path.replace(/\/$/, '')}${suffix}` : `${path}${suffix}`;
        const method = path === '/auth_token/extend' || path === '/healthz' ? 'GET' : 'POST';
        const response = await fetch(`http://127.0.0.1:${t.app.port}${url}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        expect(response.status, `${how}: ${url}`).toBe(400);
        expect(await response.json(), how).toMatchObject({ error: 'secret_in_url' });
      }
      // Nothing of the secret reached a log line.
      for (const line of t.logs) expect(line).not.toContain(secret.slice(4, 30));
    },
  );
});
