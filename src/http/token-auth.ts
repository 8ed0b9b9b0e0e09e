import { checkNetwork, type VerifyCode } from '../domain/keys/verify.js';
import type { AccessKey, Role } from '../domain/model.js';
import { KEY_ID_PATTERN } from '../domain/secrets.js';
import type { AuthFailureReason } from '../domain/usage.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import type { Outcome, RequestContext } from './route.js';
import { retryAfterSeconds } from './throttle.js';
import type { TokenIssuer } from './tokens.js';

export const TOKEN_HEADER = 'x-redlock-auth';

/** Why a key did not authenticate, as usage records and metrics name it. */
export const failureReasons: Record<VerifyCode, AuthFailureReason> = {
  MALFORMED: 'malformed',
  NOT_FOUND: 'not_found',
  INACTIVE: 'inactive',
  EXPIRED: 'expired',
};

/** The key behind a valid token, still usable now. */
export interface TokenHolder {
  key: AccessKey;
  role: Role | undefined;
  tokens: TokenIssuer;
}

/**
 * The `x-redlock-auth` token of `/login`, for both token flows: `/auth_token/extend` and every call of
 * the key API. The key is looked up again each time, so a key made inactive, expired or deleted stops
 * its tokens at once (not after their ten minutes). Answers the request itself when the caller may not
 * go on, and returns that answer's outcome instead of the holder.
 *
 * The throttle order: a client already over its limit is refused first; then the token's signature is
 * checked; only a token failing it is counted. A genuine one is never reserved: automation making many
 * calls at once would otherwise be refused by its own calls in flight. A forged token cannot be
 * guessed, so checking it before counting costs no security.
 */
export async function authenticateToken(api: ApiContext, ctx: RequestContext<unknown, unknown>): Promise<TokenHolder | Outcome> {
  const { tokens } = api;
  if (tokens === undefined) return ctx.error('login_unavailable');
  const client = clientAddress(ctx.req, api.trustProxy);
  const subject = throttleIdentity(client);
  const wait = api.authFailuresByClient.refusedForMs(subject);
  if (wait > 0) return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(wait) });
  const header = ctx.req.headers[TOKEN_HEADER];
  const keyId = typeof header === 'string' ? await tokens.keyIdOf(header.trim()) : undefined;
  if (keyId === undefined) {
    const attempt = await api.authFailuresByClient.reserve(subject);
    api.usage.recordFailure({ endpoint: ctx.route, keyId: null, clientAddress: client, reason: 'invalid_token' });
    if (attempt.allowed) return ctx.error('invalid_token');
    return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(attempt.retryAfterMs) });
  }
  const state = await api.services.integration.revalidate(keyId);
  if (!state.valid) {
    // A genuine token whose key was turned off is not a guess: audited, but not counted as one.
    if (state.code === 'INACTIVE' || state.code === 'EXPIRED') api.usage.recordDenial(keyId, client, failureReasons[state.code]);
    api.usage.recordFailure({
      endpoint: ctx.route,
      keyId: KEY_ID_PATTERN.test(keyId) ? keyId : null,
      clientAddress: client,
      reason: failureReasons[state.code],
    });
    ctx.error('invalid_token');
    return 'key_unusable';
  }
  // Least privilege (docs/least-privilege.md): every token call is checked against the key's networks.
  const network = checkNetwork(state.key, client);
  if (!network.allowed) {
    api.usage.recordFailure({ endpoint: ctx.route, keyId: state.key.id, clientAddress: client, reason: 'network_not_allowed' });
    ctx.error('network_not_allowed');
    return 'network_not_allowed';
  }
  if (network.report !== undefined) api.networkReports.report(state.key, network.report, client);
  api.usage.recordUse(state.key.id, client, state.key.lastUsedAt !== null);
  return { key: state.key, role: state.role, tokens };
}
