import { AppError } from '../errors.js';
import { msLeft, runWithDeadline } from './deadline.js';

/** How a database error should be treated: retried inside the store, or turned into a user-facing fault. */
export type FaultKind = 'busy' | 'transient' | 'unavailable' | 'other';

const PG_RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const PG_UNAVAILABLE_PREFIXES = ['08', '57P', '53']; // connection, operator intervention, resources
const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function classifyFault(error: unknown): FaultKind {
  const code = codeOf(error);
  if (code !== undefined) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
    if (PG_RETRYABLE.has(code)) return 'transient';
    if (NODE_NET_CODES.has(code) || PG_UNAVAILABLE_PREFIXES.some((p) => code.startsWith(p))) return 'unavailable';
    // Only the file being unusable is "unavailable"; a constraint or a bad statement is a bug, not an outage.
    if (/^SQLITE_(IOERR|CANTOPEN|FULL|READONLY|CORRUPT|NOTADB|PROTOCOL)/.test(code)) return 'unavailable';
  }
  const message = error instanceof Error ? error.message : '';
  if (
    /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection is closed|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return 'unavailable';
  }
  return 'other';
}

export function faultToAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  switch (classifyFault(error)) {
    case 'busy':
      return new AppError('DB_BUSY', 'The key store is busy right now, so nothing was changed. Please try again in a moment.', {
        cause: error,
      });
    case 'transient':
    case 'unavailable':
      return new AppError(
        'DB_UNAVAILABLE',
        'The key store cannot be reached right now, so nothing was changed. Please try again in a moment.',
        { cause: error },
      );
    case 'other':
      return new AppError('INTERNAL', 'Something went wrong on our side, so nothing was changed. Please try again.', { cause: error });
  }
}

/**
 * Waits on the global timer rather than `node:timers/promises`, so tests can run the retry schedule on a
 * fake clock (vi.useFakeTimers fakes only the globals) and check it without a wall-clock bound.
 */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** PostgreSQL transient faults are retried with these waits (Unkey's 50/100/200 ms); unique violations never. */
const PG_RETRY_WAITS_MS = [50, 100, 200];
/** A retry that could not get this long before the deadline is not worth starting. */
const MIN_ATTEMPT_MS = 100;

export interface RetryPolicy {
  dialect: 'sqlite' | 'postgres';
  /**
   * The whole budget, from the first attempt: a held SQLite write lock is retried until then, and no
   * PostgreSQL retry starts that could not finish by then.
   */
  deadlineMs: number;
  /** Whether a lost PostgreSQL connection is retried too, not only serialization failures. */
  retryUnavailable: boolean;
  /**
   * Interactive requests: every attempt runs under the deadline, so the pool's wait for a connection and
   * each query end by then too (pg-pool.ts). Background work keeps the pool's longer limits.
   */
  bounded: boolean;
}

/**
 * Runs `fn` again on faults worth retrying; everything else becomes an AppError for the user. Domain
 * outcomes (an AppError thrown inside) are not faults: they go straight to the caller. Every wait is a
 * timer, never a busy wait, so the event loop keeps serving while a lock is held elsewhere.
 */
export async function withFaultRetries<T>(policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  // Inside another bounded call (a read within a write), the outer budget is the one that counts.
  const deadline = Date.now() + Math.min(policy.deadlineMs, msLeft() ?? policy.deadlineMs);
  // Only PostgreSQL's pool reads the deadline (pg-pool.ts); SQLite never waits inside a call anyway.
  const once = policy.bounded && policy.dialect === 'postgres' ? () => runWithDeadline(deadline, fn) : fn;
  for (let tries = 0; ; tries++) {
    try {
      return await once();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const kind = classifyFault(error);
      if (kind === 'busy') {
        const wait = 5 + Math.random() * 20;
        if (Date.now() + wait < deadline) {
          await sleep(wait);
          continue;
        }
        throw faultToAppError(error);
      }
      const wait = PG_RETRY_WAITS_MS[tries];
      const retryable = kind === 'transient' || (policy.retryUnavailable && kind === 'unavailable');
      const inTime = wait !== undefined && (!policy.bounded || Date.now() + wait + MIN_ATTEMPT_MS <= deadline);
      if (policy.dialect === 'postgres' && retryable && wait !== undefined && inTime) {
        await sleep(wait);
        continue;
      }
      throw faultToAppError(error);
    }
  }
}
