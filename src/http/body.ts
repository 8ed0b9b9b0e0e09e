import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { onLimitedBody } from '../http-io.js';

/** Checklist A2: bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 8 * 1024;

/** Why a body was not handed to its route's handler (route.ts answers each, or the route's `refuseBody`). */
export type BodyProblem =
  | { kind: 'too_large' | 'unsupported_media_type' | 'invalid_json' | 'unexpected_body' }
  | { kind: 'invalid'; value: unknown; issues: z.ZodError['issues'] };

/**
 * Only `application/json` (any parameters, e.g. charset) is read as JSON. A body without a Content-Type
 * is refused too: a form post or a text/plain one (what browsers send cross-site without a preflight)
 * must never be taken for JSON. An empty body needs no type; it simply is not a JSON document.
 */
function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
  // What nearly every client sends, compared before splitting and lower-casing: a microsecond per verify.
  if (type === 'application/json') return true;
  return (type.split(';')[0] ?? '').trim().toLowerCase() === 'application/json';
}

/**
 * A JSON body of at most MAX_BODY_BYTES, parsed by `schema`. `done` is called exactly once, in the tick
 * the last byte arrived (or at once, for a refusal from the headers): verify answers from inside it.
 */
export function readJsonBody<Body>(
  req: IncomingMessage,
  schema: z.ZodType<Body>,
  done: (problem: BodyProblem | undefined, value: Body | undefined) => void,
): void {
  if (!isJsonRequest(req)) {
    done({ kind: 'unsupported_media_type' }, undefined);
    return;
  }
  onLimitedBody(req, MAX_BODY_BYTES, (body) => {
    // An aborted upload is treated as an invalid one; its answer goes nowhere anyway.
    if (!body.ok) {
      done({ kind: body.error === 'too_large' ? 'too_large' : 'invalid_json' }, undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      done({ kind: 'invalid_json' }, undefined);
      return;
    }
    // Outside the try: whatever `done` throws is its caller's to catch, never taken for bad JSON.
    const parsed = schema.safeParse(value);
    if (parsed.success) done(undefined, parsed.data);
    else done({ kind: 'invalid', value, issues: parsed.error.issues }, undefined);
  });
}

/**
 * For a call that takes no body. Bodiless calls (GET, DELETE, the key API's status PATCH) arrive from
 * real clients with `Content-Type: application/json` and an empty body — or `null`, which Python's
 * `json.dumps(None)` sends. Both mean "no body"; so does `{}`. Anything else is refused, so a misdirected
 * call never half-works.
 */
export function readNoBody(req: IncomingMessage, done: (problem: BodyProblem | undefined) => void): void {
  const declared = req.headers['content-length'];
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) {
    req.resume();
    done(undefined);
    return;
  }
  onLimitedBody(req, MAX_BODY_BYTES, (body) => {
    if (!body.ok) {
      done({ kind: body.error === 'too_large' ? 'too_large' : 'unexpected_body' });
      return;
    }
    const trimmed = body.bytes.toString('utf8').trim();
    done(trimmed === '' || trimmed === 'null' || /^\{\s*\}$/.test(trimmed) ? undefined : { kind: 'unexpected_body' });
  });
}
