import { z } from 'zod';
import type { VerifyCode } from '../domain/keys/verify.js';
import type { AuthFailureReason } from '../domain/usage.js';
import { MAX_BODY_BYTES, readJsonBody } from './body.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import { bodyErrorCode, writeJson } from './errors.js';
import { sendError, type Route } from './server.js';
import { retryAfterSeconds } from './throttle.js';

/** Anything else (missing, null, a number, an array, not an object) is a malformed key, not a bad request. */
const VerifyBody = z.object({ key: z.string() });

const outcomes: Record<VerifyCode, AuthFailureReason> = {
  MALFORMED: 'malformed',
  NOT_FOUND: 'not_found',
  INACTIVE: 'inactive',
  EXPIRED: 'expired',
};

/**
 * POST /v1/keys/verify: every verdict is 200 JSON, so callers branch on `valid` and `code`. Only a body
 * that is not JSON (400), too large (413) or a throttled client (429) gets another status.
 */
export function verifyRoute(api: ApiContext): Route {
  return {
    method: 'POST',
    path: '/v1/keys/verify',
    async handle(req, res, ctx) {
      // The body is read (at most 8 KB) before anything is answered, so the connection stays usable.
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      if (!body.ok) {
        const refusal = bodyErrorCode(body.error);
        sendError(res, ctx, refusal.code, refusal.headers);
        return;
      }
      const client = clientAddress(req, api.trustProxy);
      const subject = throttleIdentity(client);
      const wait = api.verifyMisses.retryAfterMs(subject);
      if (wait > 0) {
        sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(wait) });
        return;
      }
      const parsed = VerifyBody.safeParse(body.value);
      // A malformed key is answered from the string alone: no hash, no database, so garbage costs nothing.
      const result = parsed.success ? await api.services.keys.verify(parsed.data.key) : ({ valid: false, code: 'MALFORMED' } as const);
      if (result.valid) {
        ctx.outcome = 'valid';
        api.usage.recordUse(result.key.id, client, result.key.lastUsedAt !== null);
        writeJson(res, 200, {
          valid: true,
          keyId: result.key.id,
          role: result.role?.name ?? null,
          owner: result.key.ownerId,
          expiresAt: result.key.expiresAt,
        });
        return;
      }
      ctx.outcome = outcomes[result.code];
      // Only a well-formed unknown key can be a guess; malformed ones cost nothing and are never real keys.
      if (result.code === 'NOT_FOUND') api.verifyMisses.fail(subject);
      if (result.code !== 'MALFORMED')
        api.usage.recordFailure({ endpoint: '/v1/keys/verify', keyId: null, clientAddress: client, reason: outcomes[result.code] });
      writeJson(res, 200, { valid: false, code: result.code });
    },
  };
}
