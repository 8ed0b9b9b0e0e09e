import { z } from 'zod';
import type { VerifyResult } from '../domain/keys/verify.js';
import type { AccessKey } from '../domain/model.js';
import { clientAddress, throttleIdentity } from './client.js';
import type { ApiContext } from './context.js';
import { route, type Outcome, type RequestContext, type Route } from './route.js';
import { retryAfterSeconds } from './throttle.js';
import { failureReasons } from './token-auth.js';
import { checkNetwork, keyPermissions, satisfies, type AccessCode } from '../domain/keys/verify.js';
import { parsePermissionQueryCached, PermissionQueryError, type PermissionQuery } from '../domain/permissions.js';

/**
 * Anything else (missing, null, a number, an array, not an object) is a malformed key, not a bad request.
 * `permissions` and `ip` (docs/least-privilege.md) are checked by the handler, so a bad one is named.
 */
const VerifyBody = z.object({ key: z.string().optional(), permissions: z.unknown().optional(), ip: z.unknown().optional() }).catch({});
type VerifyBody = z.infer<typeof VerifyBody>;

const NETWORK_NOT_ALLOWED = Object.freeze({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
const INSUFFICIENT_PERMISSIONS = Object.freeze({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });

/** What the caller asked beside the key: a permission query (parsed once per text) and the address it checks. */
interface Asked {
  query: PermissionQuery | undefined;
  ip: string | undefined;
}

type Problem = { error: 'invalid_permissions_query' | 'invalid_request'; message: string; position?: number };

function askedOf(body: VerifyBody): Asked | { problem: Problem } {
  let query: PermissionQuery | undefined;
  if (body.permissions !== undefined) {
    if (typeof body.permissions !== 'string')
      return {
        problem: {
          error: 'invalid_permissions_query',
          message: '`permissions` must be a string, like "alerts.read AND policies.read".',
          position: 0,
        },
      };
    const parsed = parsePermissionQueryCached(body.permissions);
    if (parsed instanceof PermissionQueryError)
      return { problem: { error: 'invalid_permissions_query', message: parsed.message, position: parsed.position } };
    query = parsed;
  }
  if (body.ip !== undefined && (typeof body.ip !== 'string' || body.ip.length > 64))
    return { problem: { error: 'invalid_request', message: '`ip` must be the IPv4 or IPv6 address your caller used, as a string.' } };
  return { query, ip: body.ip };
}

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
      permissions: keyPermissions(result.key, result.role),
    });
    validAnswers.set(result.key, text);
  }
  return text;
}

/**
 * POST /v1/keys/verify: every verdict is 200 JSON, so callers branch on `valid` and `code`. Only a body
 * that is not JSON (400), too large (413) or a throttled client (429) gets another status.
 *
 * Why no `async` here: a malformed key and a key in the key cache are answered in the very tick the
 * body's last byte arrived, without a promise in between; only a cache miss waits for the database.
 * That is most of what brings verify close to a route that does nothing (docs/performance.md).
 */
export function verifyRoute(api: ApiContext): Route {
  type Ctx = RequestContext<unknown, VerifyBody>;

  function refuse(ctx: Ctx, client: string, keyId: string, code: AccessCode): Outcome {
    const reason = code === 'NETWORK_NOT_ALLOWED' ? 'network_not_allowed' : 'insufficient_permissions';
    api.usage.recordFailure({ endpoint: '/v1/keys/verify', keyId, clientAddress: client, reason });
    ctx.json(200, code === 'NETWORK_NOT_ALLOWED' ? NETWORK_NOT_ALLOWED : INSUFFICIENT_PERMISSIONS);
    return reason;
  }

  function respond(ctx: Ctx, client: string, result: VerifyResult, asked: Asked): Outcome {
    if (result.valid) {
      // Least privilege (docs/least-privilege.md): both checks read only the key and role in hand.
      const network = checkNetwork(result.key, asked.ip);
      if (!network.allowed) return refuse(ctx, client, result.key.id, 'NETWORK_NOT_ALLOWED');
      if (asked.query !== undefined && !satisfies(result.key, result.role, asked.query))
        return refuse(ctx, client, result.key.id, 'INSUFFICIENT_PERMISSIONS');
      if (network.report !== undefined) api.networkReports.report(result.key, network.report, asked.ip ?? null);
      api.usage.recordUse(result.key.id, client, result.key.lastUsedAt !== null);
      ctx.jsonText(200, validAnswer(result));
      return 'valid';
    }
    if (result.code !== 'MALFORMED')
      api.usage.recordFailure({ endpoint: '/v1/keys/verify', keyId: null, clientAddress: client, reason: failureReasons[result.code] });
    ctx.json(200, { valid: false, code: result.code });
    return failureReasons[result.code];
  }

  return route({
    method: 'POST',
    path: '/v1/keys/verify',
    body: VerifyBody,
    handle(ctx) {
      // A bad query or address is the caller's mistake, answered before any lookup or count.
      const asked = askedOf(ctx.body);
      if ('problem' in asked) {
        ctx.json(400, { ...asked.problem, requestId: ctx.requestId });
        return asked.problem.error;
      }
      const client = clientAddress(ctx.req, api.trustProxy);
      const subject = throttleIdentity(client);
      const wait = api.verifyMisses.retryAfterMs(subject);
      if (wait > 0) return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(wait) });
      // A malformed key is answered from the string alone: no hash, no database, so garbage costs nothing.
      const secret = ctx.body.key;
      const known = api.services.keys.verifyCached(secret);
      if (known !== undefined) {
        if (known.valid === false && known.code === 'NOT_FOUND') api.verifyMisses.fail(subject);
        return respond(ctx, client, known, asked);
      }
      // Only a well-formed key gets here (a malformed one is answered from the cache path). Its miss is
      // counted before the awaited lookup, as /login does: a burst cannot all pass a check made before
      // any of it was counted, however slow the database (on PostgreSQL every lookup is a round trip).
      const reservation = api.verifyMisses.reserve(subject);
      if (reservation === undefined)
        return ctx.error('too_many_requests', { 'retry-after': retryAfterSeconds(api.verifyMisses.retryAfterMs(subject)) });
      return api.services.keys.verify(secret).then(
        (found) => {
          if (found.valid || found.code !== 'NOT_FOUND') reservation.refund();
          return respond(ctx, client, found, asked);
        },
        (error: unknown) => {
          // A failed lookup is no miss.
          reservation.refund();
          throw error;
        },
      );
    },
  });
}
