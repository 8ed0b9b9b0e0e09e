import { randomBytes } from 'node:crypto';
import { asAppError, isTransientFault } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Message } from './views/blocks.js';
import { errorMessage } from './views/messages.js';

/**
 * The one place an error becomes words for a user. Expected outcomes say what happened and what to do;
 * faults are logged with a request id that the user also sees, so support can find the log line.
 */
export function errorReply(error: unknown, logger: Logger, context: Record<string, unknown> = {}): Message {
  const appError = asAppError(error);
  if (appError.code === 'INTERNAL' || isTransientFault(appError)) {
    const requestId = `req_${randomBytes(6).toString('hex')}`;
    logger[appError.code === 'INTERNAL' ? 'error' : 'warn']('request failed', { requestId, code: appError.code, error: appError.cause ?? appError, ...context });
    return errorMessage(`${appError.message} (ref \`${requestId}\`)`);
  }
  return errorMessage(appError.message, { offerAccessRequest: appError.code === 'NO_API_ACCESS' });
}

/** Errors a modal can show next to a field: they are about the input, so the user fixes and resubmits. */
export function errorText(error: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  const appError = asAppError(error);
  if (appError.code === 'INTERNAL' || isTransientFault(appError)) {
    const requestId = `req_${randomBytes(6).toString('hex')}`;
    logger.warn('modal submission failed', { requestId, code: appError.code, error: appError.cause ?? appError, ...context });
    return `${appError.message} (ref ${requestId})`;
  }
  return appError.message;
}
