import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { ALICE, startApi, type ApiHarness } from '../http/harness.js';
import { holdSqliteWriteLock } from '../support/sqlite-lock-holder.js';

/**
 * Bounds from the issue (verify under 20 ms, event-loop stalls under 15 ms while writers wait), taken
 * at the 90th percentile: on a loaded machine the last percent is the scheduler's, not ours. A
 * synchronous busy wait fails them by far (each retry used to stall the loop for 25 ms; measured
 * here: loop p50 52 ms, and verify starved for the whole 2 s the creates waited).
 */
const VERIFY_P90_MS = 20;
const LOOP_STALL_P90_MS = 15;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

describe('SQLite write lock held by another process', () => {
  let h: ApiHarness;
  let release: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await release?.();
    release = undefined;
    await h.close();
  });

  it('three waiting creates never stall the event loop, so verify keeps answering fast (90% under 20 ms)', async () => {
    h = await startApi('sqlite');
    const key = await h.createKey('ci');
    if (h.db.config.kind !== 'sqlite') throw new Error('sqlite only');
    for (let i = 0; i < 20; i++) await h.post('/v1/keys/verify', { key: key.secret }); // warm up
    ({ release } = await holdSqliteWriteLock(h.db.config.path));

    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    let settled = false;
    const creates = Promise.all(
      ['a', 'b', 'c'].map((name) =>
        h.services.keys.create({ actorId: ALICE, name, expiry: { kind: 'never' } }).catch((error: unknown) => error),
      ),
    ).finally(() => {
      settled = true;
    });
    const latencies: number[] = [];
    const until = Date.now() + 5000;
    while (!settled && Date.now() < until && latencies.length < 5000) {
      const started = performance.now();
      const reply = await h.post('/v1/keys/verify', { key: key.secret });
      latencies.push(performance.now() - started);
      expect(reply.json.valid).toBe(true);
    }
    const outcomes = await creates;
    loop.disable();

    // The creates waited for the lock the whole time and then said so.
    for (const outcome of outcomes) expect(outcome instanceof AppError ? outcome.code : outcome).toBe('DB_BUSY');
    latencies.sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThan(50);
    expect(loop.percentile(90) / 1e6).toBeLessThan(LOOP_STALL_P90_MS);
    expect(percentile(latencies, 90)).toBeLessThan(VERIFY_P90_MS);
  });
});
