import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withFaultRetries } from '../../src/db/faults.js';
import { AppError } from '../../src/errors.js';

/**
 * Reliability checklist G3: transient PostgreSQL faults are retried (at most 3 retries, after 50, 100
 * and 200 ms), a unique violation never is, and a fault that clears up in time is invisible.
 */
function failingThen(code: string, failures: number): { attempts: number[]; fn: () => Promise<string> } {
  const started = Date.now();
  const counter = {
    attempts: [] as number[],
    fn: async (): Promise<string> => {
      counter.attempts.push(Date.now() - started);
      if (counter.attempts.length <= failures) throw Object.assign(new Error(code), { code });
      return 'done';
    },
  };
  return counter;
}

const interactive = { dialect: 'postgres' as const, deadlineMs: 2000, retryUnavailable: true, bounded: true };
/** Settles `promise` on the fake clock: the retry waits are timers, so the schedule is exact. */
async function settled<T>(promise: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync();
  return promise;
}
const codeOf = (promise: Promise<unknown>) =>
  settled(
    promise.then(
      () => 'no error',
      (e: unknown) => (e instanceof AppError ? e.code : `raw: ${String(e)}`),
    ),
  );

describe('reliability G3: which PostgreSQL faults are retried', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a unique violation (23505) is tried once and never again', async () => {
    const call = failingThen('23505', Infinity);
    expect(await codeOf(withFaultRetries(interactive, call.fn))).toBe('INTERNAL');
    expect(call.attempts).toHaveLength(1);
  });

  it('a serialization failure (40001) is retried 3 times, 50, 100 and 200 ms apart, then reported as unavailable', async () => {
    const call = failingThen('40001', Infinity);
    expect(await codeOf(withFaultRetries(interactive, call.fn))).toBe('DB_UNAVAILABLE');
    expect(call.attempts).toHaveLength(4);
    const gaps = call.attempts.slice(1).map((at, i) => at - (call.attempts[i] ?? 0));
    expect(gaps).toEqual([50, 100, 200]);
  });

  it('a connection reset that clears up after two tries is invisible: the third attempt answers', async () => {
    const call = failingThen('ECONNRESET', 2);
    expect(await settled(withFaultRetries(interactive, call.fn))).toBe('done');
    expect(call.attempts).toHaveLength(3);
  });
});
