import { describe, expect, it } from 'vitest';
import { runWithDeadline } from '../../src/db/deadline.js';
import { withFaultRetries } from '../../src/db/faults.js';
import { AppError } from '../../src/errors.js';

/** A database call that always fails the same way, counting its attempts. */
function failing(code: string): { attempts: number; fn: () => Promise<never> } {
  const counter = {
    attempts: 0,
    fn: async (): Promise<never> => {
      counter.attempts++;
      throw Object.assign(new Error(code), { code });
    },
  };
  return counter;
}

async function outcome(promise: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const error = await promise.catch((e: unknown) => e);
  return { code: error instanceof AppError ? error.code : String(error), ms: Date.now() - started };
}

describe('database retries of an interactive request', () => {
  it('a refused PostgreSQL connection is retried after 50 and 100 ms, but no retry starts that could not end by the deadline', async () => {
    const call = failing('ECONNREFUSED');
    const result = await outcome(
      withFaultRetries({ dialect: 'postgres', deadlineMs: 300, retryUnavailable: true, bounded: true }, call.fn),
    );
    expect(result.code).toBe('DB_UNAVAILABLE');
    // 0 ms, +50, +100; the 200 ms wait would leave less than an attempt's worth before 300 ms.
    expect(call.attempts).toBe(3);
    expect(result.ms).toBeLessThan(300);
  });

  it('a held SQLite lock is retried with timers until the deadline, then reported as busy', async () => {
    const call = failing('SQLITE_BUSY');
    const result = await outcome(withFaultRetries({ dialect: 'sqlite', deadlineMs: 200, retryUnavailable: true, bounded: true }, call.fn));
    expect(result.code).toBe('DB_BUSY');
    expect(call.attempts).toBeGreaterThan(3);
    expect(result.ms).toBeLessThan(400);
  });

  it('a call inside another bounded call keeps to the outer, shorter budget', async () => {
    const call = failing('SQLITE_BUSY');
    const result = await outcome(
      runWithDeadline(Date.now() + 100, () =>
        withFaultRetries({ dialect: 'sqlite', deadlineMs: 2000, retryUnavailable: true, bounded: true }, call.fn),
      ),
    );
    expect(result.code).toBe('DB_BUSY');
    expect(result.ms).toBeLessThan(1000);
  });
});
