import { randomBytes } from 'node:crypto';
import { asAppError, isTransientFault } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Message } from './views/blocks.js';
import { errorMessage } from './views/messages.js';

/**
 * What a user is told about an error. Expected outcomes say what happened and what to do; faults are
 * logged with a request id that the user also sees, so support can find the log line.
 */
function describe(error: unknown, logger: Logger, context: Record<string, unknown>): { text: string; offerAccessRequest: boolean } {
  const appError = asAppError(error);
  if (appError.code !== 'INTERNAL' && !isTransientFault(appError)) return { text: appError.message, offerAccessRequest: appError.code === 'NO_API_ACCESS' };
  const requestId = `req_${randomBytes(6).toString('hex')}`;
  logger[appError.code === 'INTERNAL' ? 'error' : 'warn']('request failed', { requestId, code: appError.code, error: appError.cause ?? appError, ...context });
  return { text: `${appError.message} (ref ${requestId})`, offerAccessRequest: false };
}

/** An error as a message (ephemeral replies, notices). */
export function errorReply(error: unknown, logger: Logger, context: Record<string, unknown> = {}): Message {
  const { text, offerAccessRequest } = describe(error, logger, context);
  return errorMessage(text, { offerAccessRequest });
}

/** An error as plain text next to a modal field: the user fixes the input and resubmits. */
export function errorText(error: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  return describe(error, logger, context).text;
}
