import { z } from 'zod';
import type { LoginFailure } from '../domain/integration.js';
import { checkNetwork } from '../domain/keys/verify.js';
import { KEY_ID_PATTERN } from '../domain/secrets.js';
import type { AuthFailureReason } from '../domain/usage.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import { refuseBody, route, type Route } from './route.js';
import { retryAfterSeconds } from './throttle.js';
import { authenticateToken, failureReasons } from './token-auth.js';

/** Prisma Cloud's login body: the access key ID as username, the secret key as password. */
const LoginBody = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

const reasons: Record<LoginFailure, AuthFailureReason> = {
  MALFORMED: 'malformed',
  NOT_FOUND: 'not_found',
  INACTIVE: 'inactive',
  EXPIRED: 'expired',
  MISMATCH: 'mismatch',
};

// Tokens are credentials: no cache may keep a response that carries one.
const TOKEN_HEADERS = { 'cache-control': 'no-store' };

/**
 * POST /login: one 401 for every kind of failure (no hint which part was wrong). Failures are counted
 * per client and per claimed key ID; the per-key count does not lock out clients that logged in with
 * that key recently, so a stranger who knows a (public) key ID cannot lock its integration out.
 */
export function loginRoute(api: ApiContext): Route {
  return route({
    method: 'POST',
    path: '/login',
    body: LoginBody,
    // Both token routes need TOKEN_SIGNING_SECRET; without it they answer 503 login_unavailable, body or not.
    refuseBody: (ctx, problem) => (api.tokens === undefined ? ctx.error('login_unavailable') : refuseBody(ctx, problem)),
    async handle(ctx) {
      const { tokens } = api;
      if (tokens === undefined) return ctx.error('login_unavailable');
      const { username, password } = ctx.body;
      const client = clientAddress(ctx.req, api.trustProxy);
      const subject = throttleIdentity(client);
      // Only a plausible key ID gets a counter of its own, so junk usernames cannot fill memory.
      const claimedKeyId = KEY_ID_PATTERN.test(username) ? username : null;
      // Counted before the lookup, refunded on success: concurrent guesses each take a slot first, so no
      // more than the limit are ever judged, on this replica or any other.
      const attempt = await api.authFailuresByClient.reserve(subject);
      if (!attempt.allowed) return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(attempt.retryAfterMs) });

      const result = await api.services.integration.authenticate(username, password, (keyId, code) =>
        api.usage.recordDenial(keyId, client, failureReasons[code]),
      );
      if (!result.ok) {
        // The per-key lock only ever answers failures: whoever holds the real secret always gets in, so
        // a stranger who knows a (public) key ID cannot lock its integration out from anywhere.
        const keyAttempt = claimedKeyId === null ? undefined : await api.authFailuresByKey.reserve(claimedKeyId);
        const keyRefused =
          keyAttempt !== undefined && claimedKeyId !== null && !keyAttempt.allowed && !api.knownClients.knows(claimedKeyId, subject);
        api.usage.recordFailure({ endpoint: '/login', keyId: claimedKeyId, clientAddress: client, reason: reasons[result.reason] });
        if (keyRefused) return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(keyAttempt.retryAfterMs) });
        return ctx.error('unauthorized');
      }
      // Least privilege (docs/least-privilege.md): a key with networks logs in only from inside them, and
      // is refused with the same single 401 (no hint that the secret was right). Counted as a failure.
      const network = checkNetwork(result.key, client);
      if (!network.allowed) {
        api.usage.recordFailure({ endpoint: '/login', keyId: result.key.id, clientAddress: client, reason: 'network_not_allowed' });
        return ctx.error('unauthorized');
      }
      if (network.report !== undefined) api.networkReports.report(result.key, network.report, client);
      await attempt.refund();
      api.knownClients.remember(result.key.id, subject);
      api.usage.recordUse(result.key.id, client, result.key.lastUsedAt !== null);
      const { token } = await tokens.issue({ keyId: result.key.id, ownerId: result.key.ownerId, roleName: result.role?.name ?? null });
      return ctx.json(200, { token }, TOKEN_HEADERS);
    },
  });
}

/**
 * GET /auth_token/extend: a fresh token for a valid one, as long as its key is still usable — a key made
 * inactive, expired or deleted after login is refused here.
 */
export function extendTokenRoute(api: ApiContext): Route {
  return route({
    method: 'GET',
    path: '/auth_token/extend',
    async handle(ctx) {
      const holder = await authenticateToken(api, ctx);
      if (typeof holder === 'string') return holder;
      const { key, role, tokens } = holder;
      const { token } = await tokens.issue({ keyId: key.id, ownerId: key.ownerId, roleName: role?.name ?? null });
      return ctx.json(200, { token }, TOKEN_HEADERS);
    },
  });
}
