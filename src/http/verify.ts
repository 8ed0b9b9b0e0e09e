import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { VerifyCode, VerifyResult } from '../domain/keys/verify.js';
import type { AccessKey } from '../domain/model.js';
import type { AuthFailureReason } from '../domain/usage.js';
import { MAX_BODY_BYTES, onJsonBody, type BodyResult } from './body.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import { bodyErrorCode, writeJson, writeJsonText } from './errors.js';
import { sendError, type RequestContext, type Route } from './server.js';
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
 * A valid key's answer, serialised once per key object: the key cache hands out the same frozen key
 * (and role) until it drops them, so the same object always gets the same answer; a key read from the
 * database is a new object and gets its own.
 */
const validAnswers = new WeakMap<AccessKey, string>();

function validAnswer(result: Extract<VerifyResult, { valid: true }>): string {
  let text = validAnswers.get(result.key);
  if (text === undefined) {
    text = JSON.stringify({
      valid: true,
      keyId: result.key.id,
      role: result.role?.name ?? null,
      owner: result.key.ownerId,
      expiresAt: result.key.expiresAt,
    });
    validAnswers.set(result.key, text);
  }
  return text;
}

/**
 * POST /v1/keys/verify: every verdict is 200 JSON, so callers branch on `valid` and `code`. Only a body
 * that is not JSON (400), too large (413) or a throttled client (429) gets another status.
 *
 * Why callbacks and not `await` here: a malformed key and a key in the key cache are answered in the
 * very tick the body's last byte arrived, without a promise in between; only a cache miss waits for the
 * database. That is most of what brings verify close to a route that does nothing (docs/performance.md).
 */
export function verifyRoute(api: ApiContext): Route {
  function answer(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, body: BodyResult): Promise<void> | undefined {
    if (!body.ok) {
      const refusal = bodyErrorCode(body.error);
      sendError(res, ctx, refusal.code, refusal.headers);
      return undefined;
    }
    const client = clientAddress(req, api.trustProxy);
    const subject = throttleIdentity(client);
    const wait = api.verifyMisses.retryAfterMs(subject);
    if (wait > 0) {
      sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(wait) });
      return undefined;
    }
    const parsed = VerifyBody.safeParse(body.value);
    // A malformed key is answered from the string alone: no hash, no database, so garbage costs nothing.
    const secret = parsed.success ? parsed.data.key : undefined;
    const known = api.services.keys.verifyCached(secret);
    if (known !== undefined) {
      if (known.valid === false && known.code === 'NOT_FOUND') api.verifyMisses.fail(subject);
      respond(res, ctx, client, known);
      return undefined;
    }
    // Only a well-formed key gets here (a malformed one is answered from the cache path). Its miss is
    // counted before the awaited lookup, as /login does: a burst cannot all pass a check made before
    // any of it was counted, however slow the database (on PostgreSQL every lookup is a round trip).
    const reservation = api.verifyMisses.reserve(subject);
    if (reservation === undefined) {
      sendError(res, ctx, 'too_many_requests', { 'retry-after': retryAfterSeconds(api.verifyMisses.retryAfterMs(subject)) });
      return undefined;
    }
    return api.services.keys.verify(secret).then(
      (found) => {
        if (found.valid || found.code !== 'NOT_FOUND') reservation.refund();
        respond(res, ctx, client, found);
      },
      (error: unknown) => {
        // A failed lookup is no miss.
        reservation.refund();
        throw error;
      },
    );
  }

  function respond(res: ServerResponse, ctx: RequestContext, client: string, result: VerifyResult): void {
    if (result.valid) {
      ctx.outcome = 'valid';
      api.usage.recordUse(result.key.id, client, result.key.lastUsedAt !== null);
      writeJsonText(res, 200, validAnswer(result));
      return;
    }
    ctx.outcome = outcomes[result.code];
    if (result.code !== 'MALFORMED')
      api.usage.recordFailure({ endpoint: '/v1/keys/verify', keyId: null, clientAddress: client, reason: outcomes[result.code] });
    writeJson(res, 200, { valid: false, code: result.code });
  }

  return {
    method: 'POST',
    path: '/v1/keys/verify',
    handle(req, res, ctx) {
      return new Promise((resolve, reject) => {
        // The body is read (at most 8 KB) before anything is answered, so the connection stays usable.
        onJsonBody(req, MAX_BODY_BYTES, (body) => {
          // Thrown here (inside a stream event) would escape every catch: handed to the dispatcher instead.
          try {
            const pending = answer(req, res, ctx, body);
            if (pending === undefined) resolve();
            else pending.then(resolve, reject);
          } catch (error) {
            reject(error);
          }
        });
      });
    },
  };
}
