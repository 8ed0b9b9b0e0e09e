import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { writeJson, writeJsonText } from '../http-io.js';
import type { LogFields, Logger } from '../logger.js';
import { readJsonBody, readNoBody, type BodyProblem } from './body.js';
import { errorBody, httpErrors, type HttpErrorCode } from './errors.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What happened to a request, as the metrics label it ('valid', 'unauthorized', 'ok', …). */
export type Outcome = string;

/** `/access_keys/{id}/status/{status}` → `{ id: string; status: string }`. */
export type PathParams<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? { [K in Name | keyof PathParams<Rest>]: string }
  : Record<never, string>;

/** Per-request facts and the ways to answer; each answer returns the outcome the handler hands back. */
export class RequestContext<Params = Record<string, string>, Body = unknown> {
  readonly requestId: string;
  /** The route's path template (the metrics label), or 'unmatched'. */
  readonly route: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  params: Params;
  body: Body;
  readonly #logger: Logger;

  constructor(requestId: string, route: string, req: IncomingMessage, res: ServerResponse, logger: Logger, params: Params, body: Body) {
    this.requestId = requestId;
    this.route = route;
    this.req = req;
    this.res = res;
    this.#logger = logger;
    this.params = params;
    this.body = body;
  }

  /** Log lines carry the request id; the logger redacts anything secret-shaped on top. */
  log(level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): void {
    this.#logger[level](message, { requestId: this.requestId, route: this.route, ...fields });
  }

  /** A JSON answer; its outcome is 'ok' below 400, else `http_<status>`. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): Outcome {
    writeJson(this.res, status, body, headers);
    return statusOutcome(status);
  }

  /** `json` for a body already serialised. */
  jsonText(status: number, text: string, headers: Record<string, string> = {}): Outcome {
    writeJsonText(this.res, status, text, headers);
    return statusOutcome(status);
  }

  /** One of the closed set of errors (errors.ts), with the request id in the body; the outcome is its code. */
  error(code: HttpErrorCode, headers: Record<string, string> = {}): Outcome {
    writeJson(this.res, httpErrors[code].status, errorBody(code, this.requestId), headers);
    return code;
  }
}

export const statusOutcome = (status: number): Outcome => (status < 400 ? 'ok' : `http_${status}`);

/**
 * What a route reads before its handler runs: a JSON body checked by a zod schema, or `'none'` for
 * a call that takes no body (nothing, or an empty JSON one: `null`, `{}`). Without `body` nothing is read.
 */
export type BodySpec<Body> = z.ZodType<Body> | 'none';

/** One route: everything the router needs to serve it, in one declaration. */
export interface RouteSpec<Path extends string, Body> {
  method: Method;
  /** The path, with `{name}` for a parameter (as docs/openapi.yaml writes it); also the metrics label. */
  path: Path;
  body?: BodySpec<Body>;
  /** Parameters match one or more characters; these may be empty too (Prisma answers an empty status itself). */
  emptyParams?: ReadonlyArray<keyof PathParams<Path> & string>;
  /** Answers a body that cannot be read or fails the schema; unset, the generic answers of `refuseBody`. */
  refuseBody?(ctx: RequestContext<PathParams<Path>, undefined>, problem: BodyProblem): Outcome;
  handle(ctx: RequestContext<PathParams<Path>, Body>): Outcome | Promise<Outcome>;
}

/** A route as the server holds it, whatever its parameters and body. */
export interface Route {
  method: Method;
  path: string;
  /** undefined for a path without parameters (matched exactly). */
  pattern: RegExp | undefined;
  /**
   * Reads the body (if the route takes one) and runs the handler. A route that answers without waiting
   * (verify's cached keys) returns its outcome in the very tick its body's last byte arrived.
   */
  serve(ctx: RequestContext<Record<string, string>, undefined>, done: (outcome: Outcome | Promise<Outcome>) => void): void;
}

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The template's parameters as a regular expression; undefined when it has none. */
export function patternOf(path: string, emptyParams: readonly string[] = []): RegExp | undefined {
  if (!path.includes('{')) return undefined;
  const escaped = path
    .split(PARAM)
    .map((part, index) =>
      index % 2 === 0 ? part.replace(/[.*+?^$()|[\]\\]/g, '\\$&') : emptyParams.includes(part) ? '([^/]*)' : '([^/]+)',
    );
  return new RegExp(`^${escaped.join('')}$`);
}

export function paramNames(path: string): string[] {
  return [...path.matchAll(PARAM)].map((match) => match[1] ?? '');
}

/** The generic answers to a body that cannot be used; a body left unread closes the connection. */
export function refuseBody(ctx: RequestContext<unknown, unknown>, problem: BodyProblem): Outcome {
  switch (problem.kind) {
    case 'too_large':
      return ctx.error('payload_too_large', { connection: 'close' });
    case 'unsupported_media_type':
      return ctx.error('unsupported_media_type', { connection: 'close' });
    default:
      return ctx.error('invalid_request');
  }
}

/**
 * Declares a route. The router derives the path's pattern from its template and hands the handler
 * its parameters, by name, and its body, parsed by the schema; the handler answers through `ctx` and
 * returns the outcome, which labels the request in the metrics.
 */
export function route<const Path extends string, Body = undefined>(spec: RouteSpec<Path, Body>): Route {
  const names = paramNames(spec.path);
  const pattern = patternOf(spec.path, spec.emptyParams);
  const refuse = spec.refuseBody ?? refuseBody;
  return {
    method: spec.method,
    path: spec.path,
    pattern,
    serve(ctx, done) {
      if (pattern !== undefined) {
        const values = pattern.exec(pathOf(ctx.req.url)) ?? [];
        ctx.params = Object.fromEntries(names.map((name, index) => [name, values[index + 1] ?? '']));
      }
      // The casts are this function's promise: the params were just built from the same template, and
      // the body below is parsed by the route's own schema.
      const typed = ctx as unknown as RequestContext<PathParams<Path>, Body>;
      // Run inside a stream's event, a throw would escape every catch: it is handed on as a rejection.
      const run = (answer: () => Outcome | Promise<Outcome>) => {
        let outcome: Outcome | Promise<Outcome>;
        try {
          outcome = answer();
        } catch (error) {
          outcome = Promise.reject(error);
        }
        done(outcome);
      };
      const { body } = spec;
      if (body === undefined) return run(() => spec.handle(typed));
      const answer = (problem: BodyProblem | undefined, value: unknown) => {
        if (problem !== undefined) return run(() => refuse(typed as unknown as RequestContext<PathParams<Path>, undefined>, problem));
        typed.body = value as Body;
        return run(() => spec.handle(typed));
      };
      if (body === 'none') readNoBody(ctx.req, (problem) => answer(problem, undefined));
      else readJsonBody(ctx.req, body, answer);
    },
  };
}

export function pathOf(url: string | undefined): string {
  const whole = url ?? '/';
  const query = whole.indexOf('?');
  return query === -1 ? whole : whole.slice(0, query);
}
