import type { ServerResponse } from 'node:http';
import { asAppError } from '../../errors.js';
import { narrowToKey } from '../../domain/keys/find.js';
import { KEY_ID_PATTERN } from '../../domain/secrets.js';
import type { ExpiryChoice } from '../../domain/time.js';
import type { ApiContext } from '../context.js';
import { writeJson } from '../errors.js';
import { sendError, type RequestContext, type Route } from '../server.js';
import { authenticateCaller, type Caller } from './auth.js';
import { readBody, readNoBody } from './body.js';
import { prismaErrorOf, sendPrismaError } from './errors.js';
import { CreateKeyBody, secondsInsteadOfMilliseconds, wireKey, wireUser } from './wire.js';

/** An admin's `GET /access_keys` lists at most this many keys (the Slack admin list pages the rest). */
const ADMIN_LIST_LIMIT = 10_000;

type Handler = (caller: Caller, params: string[], res: ServerResponse, ctx: RequestContext) => Promise<void>;

/** 200 with an empty body, as Prisma answers PATCH and DELETE. */
function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

/**
 * Runs a handler after the body check and the token check; a domain refusal becomes its Prisma code,
 * anything else goes on to the server's central handler (503 with Retry-After for a busy database).
 */
async function guarded(
  api: ApiContext,
  handler: Handler,
  params: string[],
  res: ServerResponse,
  ctx: RequestContext,
  req: Parameters<Route['handle']>[0],
): Promise<void> {
  const caller = await authenticateCaller(api, req, res, ctx);
  if (caller === undefined) return;
  try {
    await handler(caller, params, res, ctx);
  } catch (error) {
    const appError = asAppError(error);
    const refusal = prismaErrorOf(appError);
    if (refusal === undefined) throw error;
    // Domain messages name keys by ID and name only; "not found" never says whether the key exists.
    sendPrismaError(res, ctx, refusal.code, refusal.subject, refusal.code === 'non_existing_access_key' ? undefined : appError.message);
  }
}

/** A route without a request body (GET, DELETE, the status PATCH): an empty body or `null`/`{}` is fine. */
function bodiless(api: ApiContext, method: Route['method'], path: string, pattern: RegExp | undefined, handler: Handler): Route {
  return {
    method,
    path,
    ...(pattern === undefined ? {} : { pattern }),
    async handle(req, res, ctx) {
      const body = await readNoBody(req);
      if (body === 'payload_too_large') {
        sendError(res, ctx, 'payload_too_large', { connection: 'close' });
        return;
      }
      if (body === 'unexpected_body') {
        sendPrismaError(res, ctx, 'invalid_request_body', null, 'This call takes no request body.');
        return;
      }
      const params = pattern === undefined ? [] : (pattern.exec(req.url?.split('?')[0] ?? '')?.slice(1) ?? []);
      const [id] = params;
      if (id !== undefined && !KEY_ID_PATTERN.test(id)) {
        sendPrismaError(res, ctx, 'invalid_access_key_id', 'id');
        return;
      }
      await guarded(api, handler, params, res, ctx, req);
    },
  };
}

const ONE_KEY = /^\/access_keys\/([^/]+)$/;
const KEY_STATUS = /^\/access_keys\/([^/]+)\/status\/([^/]*)$/;

/**
 * Prisma Cloud's CSPM key API over the same domain operations as Slack: every rule (R1 API
 * access, R2 limit, R3 the calling key's role, R5 expiry, R8, R9 audit) is the domain's, and every
 * change is recorded as made by the key's owner `via` the key, with a DM to the changed key's owner.
 */
export function prismaKeyRoutes(api: ApiContext): Route[] {
  const { services } = api;
  const list: Handler = async (caller, _params, res) => {
    const ctx = narrowToKey(await services.users.context(caller.ownerId), caller.via);
    // Only a System Admin's key sees every key (narrowToKey: the key's role must be System Admin).
    const views = ctx.isAdmin
      ? (await services.admin.listKeys(caller.ownerId, { limit: ADMIN_LIST_LIMIT, offset: 0 })).keys
      : (await services.keys.list(caller.ownerId, { via: caller.via })).keys;
    const now = api.now();
    writeJson(
      res,
      200,
      views.map((view) => wireKey(view, now)),
    );
  };
  const show: Handler = async (caller, [id = ''], res) => {
    writeJson(res, 200, wireKey(await services.keys.show(caller.ownerId, id, { via: caller.via }), api.now()));
  };
  const remove: Handler = async (caller, [id = ''], res) => {
    await services.keys.delete(caller.ownerId, { reference: id }, { via: caller.via });
    sendEmpty(res);
  };
  const setStatus: Handler = async (caller, [id = '', status = ''], res, ctx) => {
    if (status !== 'true' && status !== 'false') {
      sendPrismaError(res, ctx, 'empty_access_key_status_provided', 'status');
      return;
    }
    if (status === 'true') await services.keys.activate(caller.ownerId, id, { via: caller.via });
    else await services.keys.deactivate(caller.ownerId, id, { via: caller.via });
    sendEmpty(res);
  };
  const me: Handler = async (caller, _params, res) => {
    const ctx = narrowToKey(await services.users.context(caller.ownerId), caller.via);
    writeJson(res, 200, wireUser(ctx, ctx.activeRole));
  };

  const create: Route = {
    method: 'POST',
    path: '/access_keys',
    async handle(req, res, ctx) {
      const body = await readBody(req);
      if (!body.ok) {
        if (body.error === 'payload_too_large') sendError(res, ctx, 'payload_too_large', { connection: 'close' });
        else sendPrismaError(res, ctx, 'invalid_request_body');
        return;
      }
      const value = body.value;
      if (typeof value === 'object' && value !== null && 'serviceAccountName' in value) {
        sendPrismaError(res, ctx, 'service_accounts_not_supported', 'serviceAccountName');
        return;
      }
      const parsed = CreateKeyBody.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(',') : String(issue?.path[0] ?? '') || null;
        if (issue?.code !== 'unrecognized_keys' && field === 'name')
          sendPrismaError(res, ctx, 'invalid_access_key_name', 'name', 'name must be a string.');
        else if (issue?.code !== 'unrecognized_keys' && field === 'expiresOn')
          sendPrismaError(res, ctx, 'invalid_expiry_access_key', 'expiresOn');
        else
          sendPrismaError(
            res,
            ctx,
            'invalid_request_body',
            field,
            issue?.code === 'unrecognized_keys'
              ? `Unknown ${issue.keys.length === 1 ? 'field' : 'fields'}: ${field ?? ''}. Only name and expiresOn are accepted.`
              : undefined,
          );
        return;
      }
      const { name, expiresOn } = parsed.data;
      const unitHint = typeof expiresOn === 'number' ? secondsInsteadOfMilliseconds(expiresOn, api.now()) : undefined;
      if (unitHint !== undefined) {
        sendPrismaError(res, ctx, 'invalid_expiry_access_key', 'expiresOn', unitHint);
        return;
      }
      const expiry: ExpiryChoice =
        expiresOn === undefined || expiresOn === null || expiresOn === 0 ? { kind: 'never' } : { kind: 'at', at: new Date(expiresOn) };
      await guarded(
        api,
        async (caller) => {
          const result = await services.keys.create(caller.ownerId, { name, expiry }, { via: caller.via });
          if (!result.created) throw new Error('a key API create has no request id, so it cannot be a replay');
          // DELIVERED BY API RESPONSE: this response is the one delivery of the secret (R6); nothing
          // else (no ephemeral message, no CSV in Slack) carries it. createKey records
          // `delivery: 'api_response'` in the key.created audit record.
          writeJson(res, 200, { id: result.key.id, secretKey: result.secret }, { 'cache-control': 'no-store' });
        },
        [],
        res,
        ctx,
        req,
      );
    },
  };

  return [
    bodiless(api, 'GET', '/access_keys', undefined, list),
    create,
    bodiless(api, 'GET', '/access_keys/{id}', ONE_KEY, show),
    bodiless(api, 'DELETE', '/access_keys/{id}', ONE_KEY, remove),
    bodiless(api, 'PATCH', '/access_keys/{id}/status/{status}', KEY_STATUS, setStatus),
    bodiless(api, 'GET', '/user/me', undefined, me),
  ];
}
