import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, type EmulatorContext, type MethodSpec } from './context.js';
import type { CallInterceptor } from './interceptor.js';
import { isMultipart, parseBody, readRawBody, sendJson, sendText } from './http-body.js';
import { tryParseJson, type JsonObject } from './json.js';
import { chatMethods } from './methods/chat.js';
import { conversationMethods } from './methods/conversations.js';
import { fileMethods } from './methods/files.js';
import { functionMethods } from './methods/functions.js';
import { oauthMethods } from './methods/oauth.js';
import { miscMethods } from './methods/misc.js';
import { viewMethods } from './methods/views.js';

/** To emulate another method, write a MethodSpec and add it here (see README). */
export const METHODS: Record<string, MethodSpec> = {
  ...chatMethods,
  ...miscMethods,
  ...viewMethods,
  ...fileMethods,
  ...conversationMethods,
  ...functionMethods,
  ...oauthMethods,
};

/** Arguments that web-api JSON-stringifies into form fields; we parse them back for checks and records. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'unfurls', 'outputs']);

function decodeArgs(fields: JsonObject): JsonObject {
  const args: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (JSON_ARGS.has(key) && typeof value === 'string' && value !== '') {
      const parsed = tryParseJson(value);
      args[key] = parsed.ok ? parsed.value : value;
    } else {
      args[key] = value;
    }
  }
  return args;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function authorize(token: string | undefined, spec: MethodSpec, ctx: EmulatorContext): JsonObject | undefined {
  if (spec.token === 'none') return undefined;
  if (token === undefined || token === '') return fail('not_authed');
  const issued = ctx.store.issuedTokens.get(token);
  if (issued !== undefined) {
    if (issued.revoked) return fail('token_revoked');
    if (issued.expiresAt !== undefined && ctx.clock.now() >= issued.expiresAt) return fail('token_expired');
    return spec.token === 'bot' ? undefined : fail('not_allowed_token_type');
  }
  // A workflow step's token (`bot_access_token`) acts as the bot's.
  const kind =
    token === ctx.config.botToken || ctx.store.functionTokens.has(token) ? 'bot' : token === ctx.config.appToken ? 'app' : undefined;
  if (kind === undefined) return fail('invalid_auth');
  if (kind !== spec.token) return fail('not_allowed_token_type');
  return undefined;
}

/** POST {apiUrl}<method>: always HTTP 200 with {ok, ...} except when an interceptor answers 429/500 in its place. */
export async function handleWebApi(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  ctx: EmulatorContext,
  interceptor: CallInterceptor,
): Promise<void> {
  const raw = await readRawBody(req);
  const parsed = await parseBody(raw, req.headers['content-type']);
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const args = decodeArgs({ ...query, ...parsed.fields });
  for (const [name, bytes] of parsed.files) args[name] = bytes.toString('utf8');
  const record = (status: number, response: unknown): void => {
    ctx.store.record(ctx.store.calls, { method, args, response, status, at: ctx.clock.now() });
  };

  const fault = await interceptor.before(method);
  if (fault?.kind === 'ratelimited') {
    const body = { ok: false, error: 'ratelimited' };
    record(429, body);
    sendJson(res, 429, body, { 'retry-after': String(fault.retryAfterSec) });
    return;
  }
  if (fault?.kind === 'http500') {
    record(500, 'Internal Server Error');
    sendText(res, 500, 'Internal Server Error');
    return;
  }
  if (fault?.kind === 'error') {
    const body = fail(fault.error);
    record(200, body);
    sendJson(res, 200, body);
    return;
  }

  const spec = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
  let response: JsonObject;
  if (spec === undefined) {
    response = fail('unknown_method');
  } else if (parsed.malformed && !isMultipart(req.headers['content-type'])) {
    response = fail('invalid_json');
  } else {
    const token = typeof args.token === 'string' && args.token !== '' ? args.token : bearer(req);
    const execution = token === undefined ? undefined : ctx.store.functionTokens.get(token);
    const issued = token === undefined ? undefined : ctx.store.issuedTokens.get(token);
    const callCtx: EmulatorContext = {
      ...ctx,
      ...(execution === undefined ? {} : { callerExecutionId: execution }),
      ...(issued === undefined ? {} : { callerInstall: issued.target }),
    };
    response = authorize(token, spec, ctx) ?? spec.handle(args, callCtx);
  }
  record(200, response);
  await interceptor.after?.(method);
  // The caller may have given up while the answer waited; what was done stays done, as on Slack.
  if (res.destroyed) return;
  sendJson(res, 200, response);
}

/** POST /upload/<id>: the file bytes, as multipart field `body` (web-api) or a raw body. */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  uploadId: string,
  ctx: EmulatorContext,
  interceptor: CallInterceptor,
): Promise<void> {
  const raw = await readRawBody(req);
  const contentType = req.headers['content-type'];
  let bytes = raw;
  if (isMultipart(contentType)) {
    const parsed = await parseBody(raw, contentType);
    const fromField = typeof parsed.fields.body === 'string' ? Buffer.from(parsed.fields.body) : undefined;
    bytes = parsed.files.get('body') ?? [...parsed.files.values()][0] ?? fromField ?? Buffer.alloc(0);
  }
  const fileId = ctx.store.uploads.get(uploadId);
  const file = fileId === undefined ? undefined : ctx.store.files.get(fileId);
  const args: JsonObject = {
    file_id: fileId ?? null,
    filename: file?.filename ?? null,
    content: bytes.toString('utf8'),
    size: bytes.length,
  };
  const record = (status: number, response: unknown): void => {
    ctx.store.record(ctx.store.calls, { method: 'upload', args, response, status, at: ctx.clock.now() });
  };

  const fault = await interceptor.before('upload');
  if (fault !== undefined) {
    const status = fault.kind === 'ratelimited' ? 429 : fault.kind === 'http500' ? 500 : 400;
    const text = fault.kind === 'error' ? fault.error : fault.kind === 'ratelimited' ? 'ratelimited' : 'Internal Server Error';
    record(status, text);
    sendText(res, status, text, fault.kind === 'ratelimited' ? { 'retry-after': String(fault.retryAfterSec) } : {});
    return;
  }
  if (file === undefined) {
    record(404, 'Not Found');
    sendText(res, 404, 'Not Found');
    return;
  }
  if (bytes.length !== file.declaredLength) {
    ctx.store.problem(`upload ${file.id}: getUploadURLExternal declared length ${file.declaredLength} but ${bytes.length} bytes arrived`);
  }
  file.bytes = bytes;
  const answer = `OK - ${bytes.length}`;
  record(200, answer);
  sendText(res, 200, answer);
}
