import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runWithDeadline } from '../../src/db/deadline.js';
import { withFaultRetries } from '../../src/db/faults.js';
import { AppError } from '../../src/errors.js';

/** A database call that always fails the same way, noting when (on the fake clock) each attempt started. */
function failing(code: string): { starts: number[]; fn: () => Promise<never> } {
  const counter = {
    starts: [] as number[],
    fn: async (): Promise<never> => {
      counter.starts.push(Date.now());
      throw Object.assign(new Error(code), { code });
    },
  };
  return counter;
}

/**
 * Runs the retries on a fake clock: every wait is a timer, so the schedule is exact and no busy
 * machine can make it late or early. Resolves with the error's code and the fake milliseconds it took.
 */
async function outcome(start: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const settled = start().catch((e: unknown) => e);
  await vi.runAllTimersAsync();
  const error = await settled;
  return { code: error instanceof AppError ? error.code : String(error), ms: Date.now() - started };
}

describe('database retries of an interactive request', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a refused PostgreSQL connection is retried after 50 and 100 ms, but no retry starts that could not end by the deadline', async () => {
    const call = failing('ECONNREFUSED');
    const t0 = Date.now();
    const result = await outcome(() =>
      withFaultRetries({ dialect: 'postgres', deadlineMs: 300, retryUnavailable: true, bounded: true }, call.fn),
    );
    expect(result.code).toBe('DB_UNAVAILABLE');
    // 0 ms, +50, +100; the 200 ms wait would leave less than an attempt's worth (100 ms) before 300 ms.
    expect(call.starts.map((at) => at - t0)).toEqual([0, 50, 150]);
    expect(result.ms).toBe(150);
  });

  it('a held SQLite lock is retried with timers until the deadline, then reported as busy', async () => {
    const call = failing('SQLITE_BUSY');
    const t0 = Date.now();
    const result = await outcome(() =>
      withFaultRetries({ dialect: 'sqlite', deadlineMs: 200, retryUnavailable: true, bounded: true }, call.fn),
    );
    expect(result.code).toBe('DB_BUSY');
    // Fake-clock milliseconds (vi.useFakeTimers), not wall time: no busy machine can move them.
    // Waits of 5–25 ms: at least 8 attempts fit in 200 ms, and none starts after the deadline.
    expect(call.starts.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...call.starts) - t0).toBeLessThan(200);
    expect(result.ms).toBeLessThan(200);
  });

  it('a call inside another bounded call keeps to the outer, shorter budget', async () => {
    const call = failing('SQLITE_BUSY');
    const t0 = Date.now();
    const result = await outcome(() =>
      runWithDeadline(Date.now() + 100, () =>
        withFaultRetries({ dialect: 'sqlite', deadlineMs: 2000, retryUnavailable: true, bounded: true }, call.fn),
      ),
    );
    expect(result.code).toBe('DB_BUSY');
    expect(Math.max(...call.starts) - t0).toBeLessThan(100);
    expect(result.ms).toBeLessThan(100);
  });
});
