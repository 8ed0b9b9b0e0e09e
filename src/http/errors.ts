import { isTransientFault, type AppError } from '../errors.js';

/**
 * Every error the HTTP API can answer, in one place: the code a program branches on, the status, and a
 * short true message for a person. Bodies are `{"error", "message", "requestId"}`; nothing else (no
 * stack, no hint which credential was wrong) ever goes out.
 */
export const httpErrors = {
  invalid_request: { status: 400, message: 'The request body must be a JSON object with the documented fields.' },
  invalid_permissions_query: {
    status: 400,
    message: 'The permissions query is not valid: permissions joined by AND and OR, with parentheses (docs/http-api.md).',
  },
  secret_in_url: {
    status: 400,
    message: 'Never put a secret key in a URL: send it in the JSON body. Treat this key as exposed and rotate it.',
  },
  unauthorized: { status: 401, message: 'Invalid access key ID or secret key.' },
  invalid_token: { status: 401, message: 'The token is missing, invalid or expired, or its key is no longer usable. Log in again.' },
  network_not_allowed: {
    status: 401,
    message: "This key may not be used from the caller's network (the key's allowed networks, docs/least-privilege.md).",
  },
  metrics_token_required: { status: 401, message: 'GET /metrics on this port needs Authorization: Bearer <METRICS_TOKEN>.' },
  not_found: { status: 404, message: 'No such endpoint.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed on this endpoint.' },
  payload_too_large: { status: 413, message: 'The request body is larger than 8 KB.' },
  uri_too_long: { status: 414, message: 'The URL is longer than 4096 characters; no endpoint takes one that long.' },
  unsupported_media_type: { status: 415, message: 'Send the body as JSON, with Content-Type: application/json.' },
  too_many_requests: { status: 429, message: 'Too many failed attempts. Wait for the time in Retry-After, then try again.' },
  internal: { status: 500, message: 'Something went wrong on our side. Please try again.' },
  unavailable: { status: 503, message: 'The key store cannot be reached right now. Please try again in a moment.' },
  outcome_unknown: {
    status: 503,
    message:
      "We couldn't confirm whether that change was saved (the key store's connection was lost as it saved). Check with GET /access_keys before trying again.",
  },
  invalid_tags: {
    status: 400,
    message: '"tags" must be an array of at most 10 strings, each 1–64 characters of letters, digits and _ . : / = - @.',
  },
  login_unavailable: { status: 503, message: 'Token login is not configured on this server (TOKEN_SIGNING_SECRET is unset).' },
  // Leak intake (docs/leak-response.md).
  scanning_signature_invalid: { status: 401, message: 'The request is not signed by a current GitHub secret scanning key.' },
  scanning_keys_unavailable: {
    status: 503,
    message: "GitHub's secret scanning public keys could not be fetched, so the signature cannot be checked. Try again later.",
  },
  scanning_payload_too_large: { status: 413, message: 'The request body is larger than 1 MB (at most 1,000 matches per call).' },
  leak_intake_unauthorized: { status: 401, message: 'Send the pre-shared LEAK_INTAKE_TOKEN in the Authorization header.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type HttpErrorCode = keyof typeof httpErrors;

export interface ErrorBody {
  error: HttpErrorCode;
  message: string;
  requestId: string;
}

/**
 * Faults from the domain or database: retryable ones are 503 (with Retry-After), a change that may or
 * may not have been saved 503 without it (look first, then retry), anything else 500.
 */
export function httpErrorForFault(error: AppError): HttpErrorCode {
  if (error.code === 'OUTCOME_UNKNOWN') return 'outcome_unknown';
  return isTransientFault(error) ? 'unavailable' : 'internal';
}

export function errorBody(code: HttpErrorCode, requestId: string): ErrorBody {
  return { error: code, message: httpErrors[code].message, requestId };
}
