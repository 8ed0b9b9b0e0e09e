import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { startApi, type ApiHarness } from './harness.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const VERIFY = '/v1/keys/verify';

/** One edit of a valid secret: what a typo, a truncating copy-paste or an attacker's tweak produces. */
const mutation = (secret: string) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(secret.length - 1),
      char: fc.oneof(fc.constantFrom(...BASE62), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(secret.length),
      char: fc.string({ minLength: 1, maxLength: 3, unit: 'binary' }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(secret.length - 1) }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat(secret.length - 2) }),
    fc.record({ kind: fc.constant('case' as const), at: fc.nat(secret.length - 1) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(secret.length - 1) }),
    fc.record({
      kind: fc.constant('rechecksum' as const),
      at: fc.integer({ min: 4, max: secret.length - 7 }),
      char: fc.constantFrom(...BASE62),
    }),
  );

type Mutation =
  | { kind: 'replace' | 'insert' | 'rechecksum'; at: number; char: string }
  | { kind: 'delete' | 'swap' | 'case' | 'truncate'; at: number };

function mutate(secret: string, m: Mutation): string {
  const at = m.at;
  switch (m.kind) {
    case 'replace':
      return secret.slice(0, at) + m.char + secret.slice(at + 1);
    case 'insert':
      return secret.slice(0, at) + m.char + secret.slice(at);
    case 'delete':
      return secret.slice(0, at) + secret.slice(at + 1);
    case 'swap':
      return secret.slice(0, at) + secret.charAt(at + 1) + secret.charAt(at) + secret.slice(at + 2);
    case 'case': {
      const c = secret.charAt(at);
      return secret.slice(0, at) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + secret.slice(at + 1);
    }
    case 'truncate':
      return secret.slice(0, at);
    case 'rechecksum': {
      // An attacker who knows the format fixes the checksum: the key is well formed but must not verify.
      const body = (secret.slice(0, at) + m.char + secret.slice(at + 1)).slice(0, -6);
      return body + checksumOf(body);
    }
  }
}

const isVerdict = (json: unknown) =>
  typeof json === 'object' &&
  json !== null &&
  ((json as { valid?: unknown }).valid === true ||
    ['MALFORMED', 'NOT_FOUND', 'INACTIVE', 'EXPIRED'].includes(String((json as { code?: unknown }).code)));

describe.each(dialects)('verify under random and mutated input on %s', (dialect) => {
  let h: ApiHarness;
  let secret: string;
  beforeAll(async () => {
    // Guessing is throttled per client; here one client sends thousands of well-formed misses on purpose.
    h = await startApi(dialect, { limits: { verifyMissesPerClient: { limit: 1_000_000, windowMs: 60_000 } } });
    secret = (await h.createKey('target')).secret;
  });
  afterAll(async () => h.close());

  it('10,000 random strings and 10,000 mutations of a valid key never crash the domain and never verify', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^aks_[0-9A-Za-z]{40,50}$/)),
        async (candidate) => {
          const result = await h.services.keys.verify(candidate);
          expect(result.valid).toBe(false);
        },
      ),
      { numRuns: 10_000 },
    );
    await fc.assert(
      fc.asyncProperty(mutation(secret), async (m) => {
        const candidate = mutate(secret, m);
        fc.pre(candidate !== secret);
        const result = await h.services.keys.verify(candidate);
        expect(result.valid).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });

  it('over HTTP, random keys, mutated keys and random JSON bodies always get 200 JSON and never a valid verdict', async () => {
    const bodies = fc.oneof(
      mutation(secret).map((m) => ({ key: mutate(secret, m) })),
      fc.string({ unit: 'binary', maxLength: 300 }).map((key) => ({ key })),
      fc.jsonValue({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 2 }).map((key) => ({ key })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        fc.pre(JSON.stringify(body) !== JSON.stringify({ key: secret }));
        const reply = await h.post(VERIFY, body);
        expect(reply.status).toBe(200);
        expect(isVerdict(reply.json)).toBe(true);
        expect(reply.json.valid).toBe(false);
      }),
      { numRuns: 1500 },
    );
    // 1,500 HTTP round trips: a busy machine takes far longer than a quiet one, and only a hang should fail.
  }, 180_000);

  it('over HTTP, arbitrary bytes as a body get 200 or 400, always as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 2000 }), async (raw) => {
        const reply = await h.postRaw(VERIFY, raw);
        expect([200, 400]).toContain(reply.status);
        expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
        if (reply.status === 200) expect(reply.json.valid).toBe(false);
      }),
      { numRuns: 500 },
    );
  }, 180_000);

  it('the valid key itself still verifies after all that', async () => {
    expect((await h.post(VERIFY, { key: secret })).json).toMatchObject({ valid: true });
  });
});
