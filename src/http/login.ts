import { z } from 'zod';
import type { LoginFailure } from '../domain/integration.js';
import { KEY_ID_PATTERN } from '../domain/secrets.js';
import type { AuthFailureReason } from '../domain/usage.js';
import { MAX_BODY_BYTES, readJsonBody } from './body.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import { bodyErrorCode, writeJson } from './errors.js';
import { sendError, type Route } from './server.js';
import { retryAfterSeconds } from './throttle.js';

/** Prisma Cloud's login body: the access key ID as username, the secret key as password. */
const LoginBody = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

export const TOKEN_HEADER = 'x-redlock-auth';

const reasons: Record<LoginFailure, AuthFailureReason> = {
  MALFORMED: 'malformed',
  NOT_FOUND: 'not_found',
  INACTIVE: 'inactive',
  EXPIRED: 'expired',
  MISMATCH: 'mismatch',
};

// Tokens are credentials: no cache may keep a response that carries one.
const TOKEN_HEADERS = { 'cache-control': 'no-store' };

/** Both token routes need TOKEN_SIGNING_SECRET; without it they answer 503 login_unavailable. */
function tokensOrRefuse(api: ApiContext, res: Parameters<Route['handle']>[1], ctx: Parameters<Route['handle']>[2]): ApiContext['tokens'] {
  if (api.tokens === undefined) sendError(res, ctx, 'login_unavailable');
  return api.tokens;
}

/**
 * POST /login: one 401 for every kind of failure (no hint which part was wrong). Failures are counted
 * per client and per claimed key ID; the per-key count does not lock out clients that logged in with
 * that key recently, so a stranger who knows a (public) key ID cannot lock its integration out.
 */
export function loginRoute(api: ApiContext): Route {
  return {
    method: 'POST',
    path: '/login',
    async handle(req, res, ctx) {
      const tokens = tokensOrRefuse(api, res, ctx);
      if (tokens === undefined) return;
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      if (!body.ok) {
        const refusal = bodyErrorCode(body.error);
        sendError(res, ctx, refusal.code, refusal.headers);
        return;
      }
      const parsed = LoginBody.safeParse(body.value);
      if (!parsed.success) {
        sendError(res, ctx, 'invalid_request');
        return;
      }
      const { username, password } = parsed.data;
      const client = clientAddress(req, api.trustProxy);
      const subject = throttleIdentity(client);
      // Only a plausible key ID gets a counter of its own, so junk usernames cannot fill memory.
      const claimedKeyId = KEY_ID_PATTERN.test(username) ? username : null;
      // Counted before the lookup, refunded on success: concurrent guesses each take a slot first, so no
      // more than the limit are ever judged, on this replica or any other.
      const attempt = await api.authFailuresByClient.reserve(subject);
      if (!attempt.allowed) {
        sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(attempt.retryAfterMs) });
        return;
      }

      const result = await api.services.integration.authenticate(username, password);
      if (!result.ok) {
        // The per-key lock only ever answers failures: whoever holds the real secret always gets in, so
        // a stranger who knows a (public) key ID cannot lock its integration out from anywhere.
        const keyAttempt = claimedKeyId === null ? undefined : await api.authFailuresByKey.reserve(claimedKeyId);
        const keyRefused =
          keyAttempt !== undefined && claimedKeyId !== null && !keyAttempt.allowed && !api.knownClients.knows(claimedKeyId, subject);
        api.usage.recordFailure({ endpoint: '/login', keyId: claimedKeyId, clientAddress: client, reason: reasons[result.reason] });
        if (keyRefused) sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(keyAttempt.retryAfterMs) });
        else sendError(res, ctx, 'unauthorized');
        return;
      }
      await attempt.refund();
      api.knownClients.remember(result.key.id, subject);
      api.usage.recordUse(result.key.id, client, result.key.lastUsedAt !== null);
      const { token } = await tokens.issue({ keyId: result.key.id, ownerId: result.key.ownerId, roleName: result.role?.name ?? null });
      writeJson(res, 200, { token }, TOKEN_HEADERS);
    },
  };
}

/**
 * GET /auth_token/extend: a fresh token for a valid one, as long as its key is still usable — a key made
 * inactive, expired or deleted after login is refused here.
 */
export function extendTokenRoute(api: ApiContext): Route {
  return {
    method: 'GET',
    path: '/auth_token/extend',
    async handle(req, res, ctx) {
      const tokens = tokensOrRefuse(api, res, ctx);
      if (tokens === undefined) return;
      const client = clientAddress(req, api.trustProxy);
      const subject = throttleIdentity(client);
      // Reserved before the token is checked, refunded for a genuine one (as for /login).
      const attempt = await api.authFailuresByClient.reserve(subject);
      if (!attempt.allowed) {
        sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(attempt.retryAfterMs) });
        return;
      }
      const header = req.headers[TOKEN_HEADER];
      const keyId = typeof header === 'string' ? await tokens.keyIdOf(header.trim()) : undefined;
      if (keyId === undefined) {
        api.usage.recordFailure({ endpoint: '/auth_token/extend', keyId: null, clientAddress: client, reason: 'invalid_token' });
        sendError(res, ctx, 'invalid_token');
        return;
      }
      await attempt.refund();
      const state = await api.services.integration.revalidate(keyId);
      if (!state.valid) {
        // A genuine token whose key was turned off is not a guess: audited, but not counted as one.
        api.usage.recordFailure({
          endpoint: '/auth_token/extend',
          keyId: KEY_ID_PATTERN.test(keyId) ? keyId : null,
          clientAddress: client,
          reason: reasons[state.code],
        });
        ctx.outcome = 'key_unusable';
        sendError(res, ctx, 'invalid_token');
        return;
      }
      api.usage.recordUse(state.key.id, client, state.key.lastUsedAt !== null);
      const { token } = await tokens.issue({ keyId: state.key.id, ownerId: state.key.ownerId, roleName: state.role?.name ?? null });
      writeJson(res, 200, { token }, TOKEN_HEADERS);
    },
  };
}
