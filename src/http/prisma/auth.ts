import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ViaKey } from '../../domain/keys/via.js';
import { KEY_ID_PATTERN } from '../../domain/secrets.js';
import { clientAddress, throttleIdentity } from '../client.js';
import type { ApiContext } from '../context.js';
import { TOKEN_HEADER } from '../login.js';
import { sendError, type RequestContext } from '../server.js';
import { retryAfterSeconds } from '../throttle.js';

/** Who is calling: the key behind the token, and its owner, on whose behalf every change is made. */
export interface Caller {
  ownerId: string;
  via: ViaKey;
}

/**
 * The `x-redlock-auth` token of `/login`, checked on every call. The key is looked up again each time,
 * so a key made inactive, expired or deleted stops its tokens at once (not after their ten minutes).
 * Invalid tokens count as failed attempts of the client, as on `/auth_token/extend`, and share its 429.
 * Answers the request itself and returns undefined when the caller may not go on.
 */
export async function authenticateCaller(
  api: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
): Promise<Caller | undefined> {
  if (api.tokens === undefined) {
    sendError(res, ctx, 'login_unavailable');
    return undefined;
  }
  const client = clientAddress(req, api.trustProxy);
  const subject = throttleIdentity(client);
  const wait = api.authFailuresByClient.refusedForMs(subject);
  if (wait > 0) {
    sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(wait) });
    return undefined;
  }
  const header = req.headers[TOKEN_HEADER];
  const keyId = typeof header === 'string' ? await api.tokens.keyIdOf(header.trim()) : undefined;
  if (keyId === undefined) {
    // Only a token failing its signature check is counted. A genuine one is never reserved: automation
    // making many calls at once would otherwise be refused by its own calls in flight. A forged token
    // cannot be guessed, so checking it before counting costs no security.
    const attempt = await api.authFailuresByClient.reserve(subject);
    api.usage.recordFailure({ endpoint: ctx.route, keyId: null, clientAddress: client, reason: 'invalid_token' });
    if (attempt.allowed) sendError(res, ctx, 'invalid_token');
    else sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(attempt.retryAfterMs) });
    return undefined;
  }
  const state = await api.services.integration.revalidate(keyId);
  if (!state.valid) {
    // A genuine token whose key was turned off is not a guess: audited, but not counted as one.
    api.usage.recordFailure({
      endpoint: ctx.route,
      keyId: KEY_ID_PATTERN.test(keyId) ? keyId : null,
      clientAddress: client,
      reason: state.code === 'EXPIRED' ? 'expired' : state.code === 'INACTIVE' ? 'inactive' : 'not_found',
    });
    ctx.outcome = 'key_unusable';
    sendError(res, ctx, 'invalid_token');
    return undefined;
  }
  api.usage.recordUse(state.key.id, client, state.key.lastUsedAt !== null);
  return { ownerId: state.key.ownerId, via: { keyId: state.key.id, roleId: state.key.roleId } };
}
