import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { ALICE, startApi, type ApiHarness } from '../http/harness.js';
import { holdSqliteWriteLock } from '../support/sqlite-lock-holder.js';

/**
 * Counted, not timed: a synchronous busy wait while the creates retry (what this guards against) starved
 * verify for the whole time the creates waited (measured: verify answered 0–1 times in 2 s, event-loop
 * p50 52 ms). With timer waits, verify keeps being answered the whole time. Ten answers in the ~2 s the
 * creates wait leaves 200 ms per verify, which no busy machine comes near, while a blocked loop gives none.
 */
const MIN_VERIFIES_WHILE_WAITING = 10;

describe('SQLite write lock held by another process', () => {
  let h: ApiHarness;
  let release: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await release?.();
    release = undefined;
    await h.close();
  });

  it('three waiting creates never stall the event loop, so verify keeps being answered while they wait', async () => {
    h = await startApi('sqlite');
    const key = await h.createKey('ci');
    if (h.db.config.kind !== 'sqlite') throw new Error('sqlite only');
    for (let i = 0; i < 20; i++) await h.post('/v1/keys/verify', { key: key.secret }); // warm up
    ({ release } = await holdSqliteWriteLock(h.db.config.path));

    let settled = false;
    const creates = Promise.all(
      ['a', 'b', 'c'].map((name) => h.services.keys.create(ALICE, { name, expiry: { kind: 'never' } }).catch((error: unknown) => error)),
    ).finally(() => {
      settled = true;
    });
    // Bounded by count; the creates end by their own deadline.
    let answeredWhileWaiting = 0;
    while (!settled && answeredWhileWaiting < 5000) {
      const reply = await h.post('/v1/keys/verify', { key: key.secret });
      expect(reply.json.valid).toBe(true);
      if (!settled) answeredWhileWaiting++;
    }
    const outcomes = await creates;

    // The creates waited for the lock the whole time and then said so.
    for (const outcome of outcomes) expect(outcome instanceof AppError ? outcome.code : outcome).toBe('DB_BUSY');
    expect(answeredWhileWaiting).toBeGreaterThanOrEqual(MIN_VERIFIES_WHILE_WAITING);
  });
});
