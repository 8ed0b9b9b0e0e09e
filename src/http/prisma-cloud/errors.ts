import { isTransientFault, type AppError } from '../../errors.js';
import type { Outcome, RequestContext } from '../route.js';

/**
 * Prisma Cloud's error codes (i18nKey) for the key API, with the statuses its published API gives them
 * (pan.dev, "Access Keys"): real clients branch on these. Prisma answers 500 for an unknown key and for
 * activating an expired one, and so do we, so a script written against Prisma behaves the same here.
 * The codes this app adds for bad input keep 400.
 */
export const prismaErrors = {
  already_have_two_access_keys: { status: 400, message: 'The role already holds as many keys as it allows. Delete one first.' },
  invalid_expiry_access_key: {
    status: 400,
    message: 'expiresOn must be a time in the future in epoch milliseconds, or 0 for a key that never expires.',
  },
  expiry_not_allowed_by_role_policy: { status: 400, message: "The role's lifetime policy does not allow that expiry." },
  invalid_access_key_name: {
    status: 400,
    message: 'That key name is not allowed (control or invisible characters, or shaped like a secret).',
  },
  invalid_access_key_name_length: { status: 400, message: 'A key name needs 1 to 64 characters.' },
  duplicate_access_key_name: { status: 409, message: 'The owner already has a key of that name in this role.' },
  unauthorized_to_use_access_keys: {
    status: 403,
    message: "The key owner has no API access (or no longer holds the key's role), so keys cannot be managed with it.",
  },
  non_existing_access_key: { status: 500, message: 'No such access key.' },
  expired_access_key: {
    status: 500,
    message: 'The key has expired, and an expired key cannot be made active. Extend its expiry in Slack first, then make it active.',
  },
  empty_access_key_status_provided: { status: 400, message: 'The status in the path must be true or false.' },
  service_accounts_not_supported: {
    status: 400,
    message: "Service accounts do not exist in this app yet: leave serviceAccountName out to create a key for the calling key's owner.",
  },
  invalid_access_key_id: { status: 400, message: 'That is not an access key ID (ak_ followed by 16 to 64 letters and digits).' },
  invalid_request_body: { status: 400, message: 'The body must be JSON with only the documented fields, of the documented types.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type PrismaErrorCode = keyof typeof prismaErrors;

export interface RedlockStatus {
  i18nKey: PrismaErrorCode;
  severity: 'error';
  subject: string | null;
}

/**
 * Answers a Prisma error: the code in the JSON body (`error`, as every error of this API) and in the
 * `X-Redlock-Status` header, which Prisma's own clients read. `message` may be the domain's own sentence
 * (never a secret: domain messages name keys by ID and name only). The outcome is the code.
 */
export function sendPrismaError(
  ctx: RequestContext<unknown, unknown>,
  code: PrismaErrorCode,
  subject: string | null = null,
  message?: string,
): Outcome {
  const status: RedlockStatus[] = [{ i18nKey: code, severity: 'error', subject }];
  ctx.json(
    prismaErrors[code].status,
    { error: code, message: message ?? prismaErrors[code].message, requestId: ctx.requestId, status },
    { 'x-redlock-status': JSON.stringify(status) },
  );
  return code;
}

/**
 * The domain's expected outcomes as Prisma codes. Anything else (faults, bugs) is not an answer about
 * the request: it is rethrown to the server's central handler (503 with Retry-After, or 500).
 */
export function prismaErrorOf(error: AppError): { code: PrismaErrorCode; subject: string | null } | undefined {
  if (isTransientFault(error)) return undefined;
  switch (error.code) {
    case 'KEY_LIMIT_REACHED':
      return { code: 'already_have_two_access_keys', subject: null };
    case 'INVALID_EXPIRY':
      return { code: 'invalid_expiry_access_key', subject: 'expiresOn' };
    // The domain's message names the role and its policy ("The Ops policy says keys expire within 30 days …").
    case 'POLICY_VIOLATION':
      return { code: 'expiry_not_allowed_by_role_policy', subject: 'expiresOn' };
    case 'INVALID_NAME':
      return { code: error.details.rule === 'length' ? 'invalid_access_key_name_length' : 'invalid_access_key_name', subject: 'name' };
    case 'DUPLICATE_NAME':
      return { code: 'duplicate_access_key_name', subject: 'name' };
    case 'NO_API_ACCESS':
    case 'NO_ACTIVE_ROLE':
    case 'NOT_ROLE_MEMBER':
    // An admin revoked the key: only a System Admin's key may make it active again.
    case 'NOT_ADMIN':
      return { code: 'unauthorized_to_use_access_keys', subject: null };
    case 'KEY_NOT_FOUND':
      return { code: 'non_existing_access_key', subject: 'id' };
    case 'KEY_EXPIRED':
      return { code: 'expired_access_key', subject: 'id' };
    default:
      return undefined;
  }
}
