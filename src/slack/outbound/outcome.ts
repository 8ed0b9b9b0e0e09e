import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { lastErrorText, type DeliveryOutcome } from '../../domain/delivery.js';

/** The token or the app's installation is unusable: nothing will work until an operator acts. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
  'org_login_required',
  'access_denied',
]);

/** Slack's own trouble, reported with HTTP 200: worth retrying later without blaming the message. */
const SLACK_SIDE_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** When a 429 carries no usable Retry-After (web-api then throws a plain error), wait this long. */
const UNKNOWN_RETRY_AFTER_MS = 30_000;

/**
 * Turns what a web-api call threw into a delivery outcome. `destinationErrors` are the error codes that
 * mean "this destination is unusable" for the caller (for the audit channel: channel_not_found,
 * not_in_channel, …) and so block all delivery rather than one message.
 */
export function outcomeOfError(
  error: unknown,
  destinationErrors: ReadonlySet<string> = new Set(),
): Exclude<DeliveryOutcome, { kind: 'posted' }> {
  if (error instanceof WebAPIRateLimitedError) return { kind: 'rate_limited', retryAfterMs: Math.max(0, error.retryAfter) * 1000 };
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    if (code === 'ratelimited' || code === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: 1000 };
    if (AUTH_ERRORS.has(code) || destinationErrors.has(code)) return { kind: 'blocked', error: code };
    if (SLACK_SIDE_ERRORS.has(code)) return { kind: 'unavailable', error: code };
    return { kind: 'rejected', error: code };
  }
  if (error instanceof WebAPIHTTPError) return { kind: 'unavailable', error: `HTTP ${error.statusCode}` };
  if (error instanceof WebAPIRequestError) return { kind: 'unavailable', error: lastErrorText(error.original) };
  if (error instanceof Error && /retry header did not contain a valid timeout/i.test(error.message)) {
    return { kind: 'rate_limited', retryAfterMs: UNKNOWN_RETRY_AFTER_MS };
  }
  // Anything else is a transport surprise, not the message's fault: back off rather than park it.
  return { kind: 'unavailable', error: lastErrorText(error) };
}
