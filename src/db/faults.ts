import { AppError } from '../errors.js';

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
    if (code.startsWith('SQLITE_')) return 'unavailable';
  }
  const message = error instanceof Error ? error.message : '';
  if (/timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error/i.test(message)) {
    return 'unavailable';
  }
  return 'other';
}

export function faultToAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  switch (classifyFault(error)) {
    case 'busy':
      return new AppError('DB_BUSY', 'The key store is busy right now, so nothing was changed. Please try again in a moment.', { cause: error });
    case 'transient':
    case 'unavailable':
      return new AppError('DB_UNAVAILABLE', 'The key store cannot be reached right now, so nothing was changed. Please try again in a moment.', { cause: error });
    case 'other':
      return new AppError('INTERNAL', 'Something went wrong on our side, so nothing was changed. Please try again.', { cause: error });
  }
}
