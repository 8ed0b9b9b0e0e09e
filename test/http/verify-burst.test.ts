import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import { dialects, type TestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { startApi, type ApiHarness, type Reply } from './harness.js';

const VERIFY = '/v1/keys/verify';
const LIMIT = 60;

/**
 * On PostgreSQL, holds every key lookup until released (a slow database, made certain): a miss that
 * is only counted once its lookup has answered is then not counted at all while the burst arrives.
 * SQLite answers within the request's own turn, so it needs no hold.
 */
async function holdKeyLookups(db: TestDatabase): Promise<() => Promise<void>> {
  if (db.config.kind !== 'postgres') return async () => undefined;
  const client = new pg.Client({ connectionString: db.config.url });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('begin');
  await client.query('lock table access_keys in access exclusive mode');
  return async () => {
    await client.query('rollback').catch(() => undefined);
    await client.end().catch(() => undefined);
  };
}

describe.each(dialects)('a concurrent burst of unknown keys to verify on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('300 concurrent well-formed unknown keys from one client: exactly the limit are judged, the rest get 429', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.50' };
    const release = await holdKeyLookups(h.db);
    let refused = 0;
    let replies: Promise<Reply[]> | undefined;
    try {
      replies = Promise.all(
        Array.from({ length: 300 }, async () => {
          const reply = await h.post(VERIFY, { key: generateSecret() }, attacker);
          // 429, or on a machine so busy that a request outwaits its database budget, 503 "try again".
          if (reply.status === 429 || reply.status === 503) refused += 1;
          return reply;
        }),
      );
      // Everything over the limit is refused while the judged ones still wait for the database.
      await until(async () => refused >= 300 - LIMIT, `${300 - LIMIT} answers 429 while the lookups are held`);
    } finally {
      await release();
    }
    const answers = await replies;
    // Never more than the limit judged (NOT_FOUND); everything else refused (429), or on a machine so
    // busy that the hold outlasted a request's database budget, told to try again (503).
    const judged = answers.filter((reply) => reply.status === 200);
    expect(judged.length).toBeLessThanOrEqual(LIMIT);
    expect(judged.every((reply) => reply.json.code === 'NOT_FOUND')).toBe(true);
    expect(answers.every((reply) => [200, 429, 503].includes(reply.status))).toBe(true);
    expect(answers.filter((reply) => reply.status === 429).length).toBeGreaterThan(0);
    // Missing on until the client is locked (bounded), then it stays locked.
    for (let i = 0; i < LIMIT && (await h.post(VERIFY, { key: generateSecret() }, attacker)).status !== 429; i++);
    expect((await h.post(VERIFY, { key: generateSecret() }, attacker)).status).toBe(429);
  });

  it('a known key read from the database is refunded: it does not use up the client’s misses', async () => {
    const key = await h.createKey('ci');
    const client = { 'x-forwarded-for': '203.0.113.51' };
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.post(VERIFY, { key: key.secret }, client)));
    expect(replies.every((reply) => reply.json.valid === true)).toBe(true);
    const misses = await Promise.all(Array.from({ length: LIMIT }, () => h.post(VERIFY, { key: generateSecret() }, client)));
    expect(misses.filter((reply) => reply.json.code === 'NOT_FOUND')).toHaveLength(LIMIT);
    expect((await h.post(VERIFY, { key: generateSecret() }, client)).status).toBe(429);
  });
});

/**
 * Only PostgreSQL has lookups in flight to hold: on SQLite a lookup answers within its request's turn, so
 * there is never a moment with undecided misses (the test above covers SQLite's counting).
 */
describe.each(dialects.filter((dialect) => dialect === 'postgres'))('lookups in flight on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  it('a cached key is answered while the limit’s worth of the same client’s lookups are undecided', async () => {
    const key = await h.createKey('gateway');
    const gateway = { 'x-forwarded-for': '203.0.113.52' };
    // Read until the key cache holds it (its first use is a write, which drops the cache once): answering
    // it then needs no lookup.
    await until(async () => {
      expect((await h.post(VERIFY, { key: key.secret }, gateway)).json.valid).toBe(true);
      return h.db.connection.keyCache.size === 1;
    }, 'the key in the key cache');
    const release = await holdKeyLookups(h.db);
    let undecided: Promise<Reply[]> | undefined;
    let refused: Reply | undefined;
    try {
      // A cold start's worth of lookups from one gateway, held: every slot of the window is undecided.
      undecided = Promise.all(Array.from({ length: LIMIT }, () => h.post(VERIFY, { key: generateSecret() }, gateway)));
      // A new lookup must wait for a slot (429, retry in a second) …
      await until(async () => {
        refused = await h.post(VERIFY, { key: generateSecret() }, gateway);
        return refused.status === 429;
      }, 'a further lookup refused while the window is full of undecided ones');
      expect(refused?.headers.get('retry-after')).toBe('1');
      // … but the cached key is answered: undecided lookups are no misses yet.
      const cached = await h.post(VERIFY, { key: key.secret }, gateway);
      expect(cached.status).toBe(200);
      expect(cached.json.valid).toBe(true);
    } finally {
      await release();
    }
    await undecided;
    // Once misses are certain (missing on until locked, bounded), the client is locked out, cached key included.
    for (let i = 0; i < LIMIT && (await h.post(VERIFY, { key: generateSecret() }, gateway)).status !== 429; i++);
    expect((await h.post(VERIFY, { key: key.secret }, gateway)).status).toBe(429);
  });
});
