import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import type { IntegrationApi } from '../../src/http/api.js';
import { startHttp } from '../../src/http/wiring.js';
import { createMemoryLogger } from '../../src/logger.js';
import { dialects } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { ADMIN, TOKEN_SECRET, startApi, type ApiHarness, type Reply } from './harness.js';

const LIMIT = 10;

interface Tally {
  /** 401 answers: failures that were looked up and answered as such. */
  unauthorized: number;
  throttled: number;
  other: number[];
  retryAfterOk: boolean;
}

function tally(replies: Reply[]): Tally {
  const result: Tally = { unauthorized: 0, throttled: 0, other: [], retryAfterOk: true };
  for (const reply of replies) {
    if (reply.status === 401) result.unauthorized += 1;
    else if (reply.status === 429) {
      result.throttled += 1;
      const seconds = Number(reply.headers.get('retry-after'));
      if (!(seconds >= 1 && seconds <= 60)) result.retryAfterOk = false;
    } else result.other.push(reply.status);
  }
  return result;
}

describe.each(dialects)('login throttling under concurrency and across replicas on %s', (dialect) => {
  let h: ApiHarness;
  /** A second app instance on the same database: its own pool, services, API and server. */
  let replica: { api: IntegrationApi; base: string; close(): Promise<void> } | undefined;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => {
    await replica?.close();
    replica = undefined;
    await h.close();
  });

  async function startReplica(): Promise<{ api: IntegrationApi; base: string; close(): Promise<void> }> {
    const { store } = await h.db.openAnother();
    const { services } = await makeServices(store, { clock: h.clock, admins: [ADMIN] });
    const logger = createMemoryLogger();
    const http = await startHttp({
      services,
      now: h.clock.now,
      logger,
      tokenSigningSecret: TOKEN_SECRET,
      trustProxy: true,
      flushIntervalMs: 0,
      port: 0,
      host: '127.0.0.1',
      metricsPort: 0,
      metricsHost: '127.0.0.1',
    });
    return { api: http.api, base: `http://127.0.0.1:${http.port}`, close: () => http.stop() };
  }

  /**
   * How many failed logins from `client` were actually looked up (judged), whatever they were answered:
   * every judged failure is counted in the aggregated auth.failed audit records once flushed.
   */
  const judgedFrom = async (client: string, apis: IntegrationApi[]): Promise<number> => {
    for (const api of apis) await api.flushUsage({ all: true });
    const records = (await h.services.audit.search({ limit: 1000 })).filter(
      (r) => r.action === 'auth.failed' && r.details.clientAddress === client && r.details.endpoint === '/login',
    );
    return records.reduce((sum, r) => sum + Number(r.details.count), 0);
  };

  const loginAt = async (base: string, username: string, password: string, client: string): Promise<Reply> => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      body: JSON.stringify({ username, password }),
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Record<string, unknown> };
  };

  /**
   * Opens `n` keep-alive connections to each base first, so the burst that follows reaches the server
   * all at once instead of trickling in while connections are set up.
   */
  const warm = async (bases: string[], n: number) => {
    await Promise.all(bases.flatMap((base) => Array.from({ length: n }, async () => (await fetch(`${base}/no-such-path`)).text())));
  };

  it('500 concurrent wrong logins from one fresh client: at most the limit are judged, the rest get 429 with Retry-After', async () => {
    const key = await h.createKey('ci');
    const attacker = '203.0.113.50';
    await warm([h.base], 500);
    const replies = await Promise.all(Array.from({ length: 500 }, () => loginAt(h.base, key.id, generateSecret(), attacker)));
    const counts = tally(replies);
    const judged = await judgedFrom(attacker, [h.api]);
    console.info(
      `${dialect}: 500 concurrent wrong logins → ${judged} judged, answers: ${counts.unauthorized}×401, ${counts.throttled}×429, others ${JSON.stringify(counts.other)}`,
    );
    // On a busy machine a request can outwait its database budget: 503 "try again" is a friendly answer and
    // never a judgement; nothing else is allowed.
    const unavailable = counts.other.filter((status) => status === 503).length;
    expect(counts.other.filter((status) => status !== 503)).toEqual([]);
    expect(judged).toBeGreaterThanOrEqual(1);
    expect(judged).toBeLessThanOrEqual(LIMIT);
    expect(counts.unauthorized).toBeLessThanOrEqual(judged);
    expect(counts.throttled).toBe(500 - counts.unauthorized - unavailable);
    expect(counts.retryAfterOk).toBe(true);
    // Where the load turned some into 503s, fewer than the limit may have been counted: failing on, one
    // at a time, reaches the limit (bounded), and from then on the client stays locked.
    for (let i = 0; i < LIMIT && (await loginAt(h.base, key.id, generateSecret(), attacker)).status === 401; i++);
    // The client stays locked, even with the right secret; another client is not affected.
    expect((await loginAt(h.base, key.id, key.secret, attacker)).status).toBe(429);
    expect((await loginAt(h.base, key.id, key.secret, '198.51.100.30')).status).toBe(200);
  });

  it('a successful login is refunded: a client that logs in correctly many times is never throttled', async () => {
    const key = await h.createKey('ci');
    const replies = await Promise.all(Array.from({ length: 3 * LIMIT }, () => loginAt(h.base, key.id, key.secret, '198.51.100.31')));
    // Concurrent successes reserve a slot each before the lookup, so a burst larger than the limit may
    // see some 429s; one after another, every one succeeds.
    for (let i = 0; i < 3 * LIMIT; i++) expect((await loginAt(h.base, key.id, key.secret, '198.51.100.32')).status).toBe(200);
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(LIMIT);
  });

  it('two app instances on one database share the limit: failures on one lock the client on the other, and a concurrent burst split over both judges at most the limit', async () => {
    replica = await startReplica();
    const key = await h.createKey('ci');
    // Five failures on each instance: the client has used its ten, counted once, in the database.
    for (let i = 0; i < LIMIT / 2; i++) {
      expect((await loginAt(h.base, key.id, generateSecret(), '203.0.113.60')).status).toBe(401);
      expect((await loginAt(replica.base, key.id, generateSecret(), '203.0.113.60')).status).toBe(401);
    }
    expect((await loginAt(h.base, key.id, key.secret, '203.0.113.60')).status).toBe(429);
    expect((await loginAt(replica.base, key.id, key.secret, '203.0.113.60')).status).toBe(429);

    // A fresh client and a fresh key, so only the shared per-client limit decides.
    const second = replica;
    const other = await h.createKey('other');
    await warm([h.base, second.base], 250);
    const replies = await Promise.all(
      Array.from({ length: 500 }, (_, i) => loginAt(i % 2 === 0 ? h.base : second.base, other.id, generateSecret(), '203.0.113.61')),
    );
    const counts = tally(replies);
    const judged = await judgedFrom('203.0.113.61', [h.api, second.api]);
    console.info(
      `${dialect}: 500 concurrent wrong logins over two replicas → ${judged} judged, answers: ${counts.unauthorized}×401, ${counts.throttled}×429, others ${JSON.stringify(counts.other)}`,
    );
    const unavailable = counts.other.filter((status) => status === 503).length;
    expect(counts.other.filter((status) => status !== 503)).toEqual([]);
    expect(judged).toBeGreaterThanOrEqual(1);
    expect(judged).toBeLessThanOrEqual(LIMIT);
    expect(counts.throttled).toBe(500 - counts.unauthorized - unavailable);

    // The window ends for both at once.
    h.clock.advance(60_000);
    expect((await loginAt(replica.base, key.id, key.secret, '203.0.113.60')).status).toBe(200);
  });

  it('invalid tokens on /auth_token/extend count against the same shared limit, a genuine token does not', async () => {
    replica = await startReplica();
    const key = await h.createKey('ci');
    const login = await loginAt(h.base, key.id, key.secret, '203.0.113.70');
    const token = String(login.json.token);
    for (let i = 0; i < 3 * LIMIT; i++)
      expect(
        (await fetch(`${replica.base}/auth_token/extend`, { headers: { 'x-redlock-auth': token, 'x-forwarded-for': '203.0.113.70' } }))
          .status,
      ).toBe(200);
    const bad = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${i % 2 === 0 ? h.base : (replica?.base ?? '')}/auth_token/extend`, {
          headers: { 'x-redlock-auth': 'not-a-token', 'x-forwarded-for': '203.0.113.71' },
        }),
      ),
    );
    const statuses = bad.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMIT);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(100 - LIMIT);
  });
});
