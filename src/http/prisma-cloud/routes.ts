import { asAppError } from '../../errors.js';
import { plural } from '../../domain/text.js';
import { narrowToKey } from '../../domain/keys/find.js';
import { KEY_ID_PATTERN } from '../../domain/secrets.js';
import type { ExpiryChoice } from '../../domain/time.js';
import type { BodyProblem } from '../body.js';
import type { ApiContext } from '../context.js';
import { route, type Outcome, type RequestContext, type Route } from '../route.js';
import { authenticateCaller, type Caller } from './auth.js';
import { prismaErrorOf, sendPrismaError } from './errors.js';
import { CreateKeyBody, secondsInsteadOfMilliseconds, wireKey, wireUser } from './wire.js';

/** An admin's `GET /access_keys` lists at most this many keys (the Slack admin list pages the rest). */
const ADMIN_LIST_LIMIT = 10_000;

type Ctx = RequestContext<unknown, unknown>;

/** 200 with an empty body, as Prisma answers PATCH and DELETE. */
function sendEmpty(ctx: Ctx): Outcome {
  ctx.res.writeHead(200, { 'content-length': '0' });
  ctx.res.end();
  return 'ok';
}

/**
 * Runs a handler after the key ID check (for a path with one) and the token check; a domain refusal
 * becomes its Prisma code, anything else goes on to the server's central handler (503 with Retry-After
 * for a busy database).
 */
async function guarded(
  api: ApiContext,
  ctx: Ctx,
  keyId: string | undefined,
  handler: (caller: Caller) => Promise<Outcome>,
): Promise<Outcome> {
  if (keyId !== undefined && !KEY_ID_PATTERN.test(keyId)) return sendPrismaError(ctx, 'invalid_access_key_id', 'id');
  const caller = await authenticateCaller(api, ctx);
  if (typeof caller === 'string') return caller;
  try {
    return await handler(caller);
  } catch (error) {
    const appError = asAppError(error);
    const refusal = prismaErrorOf(appError);
    if (refusal === undefined) throw error;
    // Domain messages name keys by ID and name only; "not found" never says whether the key exists.
    return sendPrismaError(ctx, refusal.code, refusal.subject, refusal.code === 'non_existing_access_key' ? undefined : appError.message);
  }
}

/** Prisma's answers to a body it cannot use; one too large is the API's own 413, closing the connection. */
function refusePrismaBody(ctx: Ctx, problem: BodyProblem): Outcome {
  if (problem.kind === 'too_large') return ctx.error('payload_too_large', { connection: 'close' });
  if (problem.kind === 'unexpected_body') return sendPrismaError(ctx, 'invalid_request_body', null, 'This call takes no request body.');
  if (problem.kind !== 'invalid') return sendPrismaError(ctx, 'invalid_request_body');
  const { value } = problem;
  if (typeof value === 'object' && value !== null && 'serviceAccountName' in value)
    return sendPrismaError(ctx, 'service_accounts_not_supported', 'serviceAccountName');
  const issue = problem.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(',') : String(issue?.path[0] ?? '') || null;
  if (issue?.code !== 'unrecognized_keys' && field === 'name')
    return sendPrismaError(ctx, 'invalid_access_key_name', 'name', 'name must be a string.');
  if (issue?.code !== 'unrecognized_keys' && field === 'expiresOn') return sendPrismaError(ctx, 'invalid_expiry_access_key', 'expiresOn');
  return sendPrismaError(
    ctx,
    'invalid_request_body',
    field,
    issue?.code === 'unrecognized_keys'
      ? `Unknown ${plural(issue.keys.length, 'field')}: ${field ?? ''}. Only name and expiresOn are accepted.`
      : undefined,
  );
}

/**
 * Prisma Cloud's CSPM key API over the same domain operations as Slack: every rule (R1 API
 * access, R2 limit, R3 the calling key's role, R5 expiry, R8, R9 audit) is the domain's, and every
 * change is recorded as made by the key's owner `via` the key, with a DM to the changed key's owner.
 * Calls without a request body accept an empty one (`body: 'none'`).
 */
export function prismaKeyRoutes(api: ApiContext): Route[] {
  const { services } = api;
  const refuseBody = refusePrismaBody;
  return [
    route({
      method: 'GET',
      path: '/access_keys',
      body: 'none',
      refuseBody,
      handle: (ctx) =>
        guarded(api, ctx, undefined, async (caller) => {
          const user = narrowToKey(await services.users.context(caller.ownerId), caller.via);
          // Only a System Admin's key sees every key (narrowToKey: the key's role must be System Admin).
          const views = user.isAdmin
            ? (await services.admin.listKeys(caller.ownerId, { limit: ADMIN_LIST_LIMIT, offset: 0 })).keys
            : (await services.keys.list(caller.ownerId, { via: caller.via })).keys;
          const now = api.now();
          return ctx.json(
            200,
            views.map((view) => wireKey(view, now)),
          );
        }),
    }),
    route({
      method: 'POST',
      path: '/access_keys',
      body: CreateKeyBody,
      refuseBody,
      handle: (ctx) => {
        const { expiresOn } = ctx.body;
        const unitHint = typeof expiresOn === 'number' ? secondsInsteadOfMilliseconds(expiresOn, api.now()) : undefined;
        if (unitHint !== undefined) return sendPrismaError(ctx, 'invalid_expiry_access_key', 'expiresOn', unitHint);
        return guarded(api, ctx, undefined, async (caller) => {
          const { name } = ctx.body;
          const expiry: ExpiryChoice =
            expiresOn === undefined || expiresOn === null || expiresOn === 0 ? { kind: 'never' } : { kind: 'at', at: new Date(expiresOn) };
          const result = await services.keys.create(caller.ownerId, { name, expiry }, { via: caller.via });
          if (!result.created) throw new Error('a key API create has no request id, so it cannot be a replay');
          // DELIVERED BY API RESPONSE: this response is the one delivery of the secret (R6); nothing
          // else (no ephemeral message, no CSV in Slack) carries it. createKey records
          // `delivery: 'api_response'` in the key.created audit record.
          return ctx.json(200, { id: result.key.id, secretKey: result.secret }, { 'cache-control': 'no-store' });
        });
      },
    }),
    route({
      method: 'GET',
      path: '/access_keys/{id}',
      body: 'none',
      refuseBody,
      handle: (ctx) =>
        guarded(api, ctx, ctx.params.id, async (caller) =>
          ctx.json(200, wireKey(await services.keys.show(caller.ownerId, ctx.params.id, { via: caller.via }), api.now())),
        ),
    }),
    route({
      method: 'DELETE',
      path: '/access_keys/{id}',
      body: 'none',
      refuseBody,
      handle: (ctx) =>
        guarded(api, ctx, ctx.params.id, async (caller) => {
          await services.keys.delete(caller.ownerId, { reference: ctx.params.id }, { via: caller.via });
          return sendEmpty(ctx);
        }),
    }),
    route({
      method: 'PATCH',
      path: '/access_keys/{id}/status/{status}',
      body: 'none',
      emptyParams: ['status'],
      refuseBody,
      handle: (ctx) =>
        guarded(api, ctx, ctx.params.id, async (caller) => {
          const { id, status } = ctx.params;
          if (status !== 'true' && status !== 'false') return sendPrismaError(ctx, 'empty_access_key_status_provided', 'status');
          if (status === 'true') await services.keys.activate(caller.ownerId, id, { via: caller.via });
          else await services.keys.deactivate(caller.ownerId, id, { via: caller.via });
          return sendEmpty(ctx);
        }),
    }),
    route({
      method: 'GET',
      path: '/user/me',
      body: 'none',
      refuseBody,
      handle: (ctx) =>
        guarded(api, ctx, undefined, async (caller) => {
          const user = narrowToKey(await services.users.context(caller.ownerId), caller.via);
          return ctx.json(200, wireUser(user, user.activeRole));
        }),
    }),
  ];
}
