/**
 * One error type for every expected outcome the caller may branch on (limit reached, key expired, …)
 * and for operational faults (database busy). Programmer errors stay plain `Error`s and are wrapped by
 * `asAppError` at the edge, so a user never sees a stack trace.
 */
export const errorCodes = [
  'INVALID_INPUT',
  'INVALID_NAME',
  'INVALID_EXPIRY',
  'POLICY_VIOLATION',
  'DUPLICATE_NAME',
  'KEY_LIMIT_REACHED',
  'KEY_NOT_FOUND',
  'KEY_EXPIRED',
  'NO_API_ACCESS',
  'NO_ACTIVE_ROLE',
  'ROLE_NOT_FOUND',
  'ROLE_EXISTS',
  'NOT_ROLE_MEMBER',
  'PROTECTED_ROLE',
  'LAST_ADMIN',
  'NOT_ADMIN',
  'REQUEST_NOT_FOUND',
  'REQUEST_PENDING',
  'ALREADY_DECIDED',
  'INSTALL_REFUSED',
  'SELF_DECISION',
  'MFA_NOT_CONFIGURED',
  'MFA_NOT_ENROLLED',
  'MFA_LOCKED',
  'STEP_UP_REQUIRED',
  'DB_BUSY',
  'DB_UNAVAILABLE',
  'AUDIT_UNAVAILABLE',
  'OUTCOME_UNKNOWN',
  'CONFIG_INVALID',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for the caller (e.g. slots used); never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into an AppError; unknown faults become INTERNAL with a short, true message. */
export function asAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  return new AppError('INTERNAL', 'Something went wrong on our side. Please try again.', { cause: value });
}

/**
 * The connection was lost after COMMIT was sent and no other connection could tell whether it took
 * effect: the user must look before trying again, never be told "nothing was changed". The message is
 * Slack's; the HTTP API words it for its own callers (http/errors.ts).
 */
export function outcomeUnknown(cause: unknown): AppError {
  return new AppError(
    'OUTCOME_UNKNOWN',
    "We couldn't confirm whether that change was saved. Check with /accesskey list before trying again.",
    {
      cause,
    },
  );
}

/** Operational faults worth retrying by the user, as opposed to answers about their input. */
export function isTransientFault(error: AppError): boolean {
  return error.code === 'DB_BUSY' || error.code === 'DB_UNAVAILABLE' || error.code === 'AUDIT_UNAVAILABLE';
}
