/**
 * Why hand-written node:http and not a framework such as Fastify: the verify benchmark compares verify
 * with a no-op ceiling route on this very server (bench/verify.ts), and the performance work wants the
 * thinnest path from socket to handler. So the hardening lives in one central dispatcher below, which
 * every route goes through — Slack's endpoint and the bench's ceiling route included: the URL length
 * limit, the secret-in-URL refusal, 404/405 (with Allow) and OPTIONS, the Slack body gate, and one catch around every handler.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { asAppError } from '../errors.js';
import type { LogFields, Logger } from '../logger.js';
import { clientAddress, throttleIdentity } from './client.js';
import { errorBody, httpErrorForFault, httpErrors, writeJson, type HttpErrorCode } from './errors.js';
import { SlackGate, type SlackGateOptions } from './slack-gate.js';
import { urlCarriesSecret, urlTooLong } from './url-secrets.js';

/** Per-request facts every route gets: the id shown in logs and error bodies, and the outcome for metrics. */
export class RequestContext {
  readonly requestId: string;
  readonly route: string;
  /** A route names what happened ('valid', 'unauthorized', …); unset, it is derived from the status. */
  outcome: string | undefined;
  readonly #logger: Logger;

  constructor(requestId: string, route: string, logger: Logger) {
    this.requestId = requestId;
    this.route = route;
    this.#logger = logger;
  }

  /** Log lines carry the request id; the logger redacts anything secret-shaped on top. */
  log(level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): void {
    this.#logger[level](message, { requestId: this.requestId, route: this.route, ...fields });
  }
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path, or with `pattern` a template such as `/access_keys/{id}` (the metrics label). */
  path: string;
  /** Matches the paths this route serves when `path` is a template (the key API's path parameters). */
  pattern?: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>;
}

/** Receives one observation per finished request (the metrics of the integration API). */
export interface HttpObserver {
  observe(route: string, outcome: string, seconds: number): void;
}

export interface HttpDeadlines {
  /** Time a client has to send all request headers. */
  headersMs: number;
  /** Time a client has to send the whole request, body included. */
  requestMs: number;
  /**
   * How often Node looks for connections past those deadlines (its default is 30 s, so a deadline of
   * 10 s would really be up to 40 s). A deadline is enforced within `…Ms + checkIntervalMs`.
   */
  checkIntervalMs: number;
}

/** Slow clients (slowloris) are closed within 10 s: 8 s deadlines, checked every 0.5 s, leave room for a busy event loop. */
export const DEFAULT_DEADLINES: HttpDeadlines = { headersMs: 8_000, requestMs: 8_000, checkIntervalMs: 500 };

export interface HttpServerOptions {
  routes: Route[];
  /** In HTTP mode, Bolt's receiver answers Slack's requests on POST /slack/events. */
  slackRequestListener?: RequestListener;
  logger: Logger;
  observer?: HttpObserver;
  /** Tests shorten these; production uses DEFAULT_DEADLINES. */
  deadlines?: Partial<HttpDeadlines>;
  /** Tests tighten these; production uses the gate's defaults. */
  slackGate?: Partial<SlackGateOptions>;
  /** The gate counts Slack's requests per client: behind our own proxy, the address it appended (client.ts). */
  trustProxy?: boolean;
  /** Whole path prefixes handed to another listener (the local sandbox serves its page and API this way). */
  mounts?: PathMount[];
}

export interface PathMount {
  /** e.g. '/sandbox': matches '/sandbox' and everything below it. */
  prefix: string;
  listener: RequestListener;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  writeJson(res, status, body, headers);
}

/** Answers one of the closed set of errors (errors.ts), with the request id in the body. */
export function sendError(res: ServerResponse, ctx: RequestContext, code: HttpErrorCode, headers: Record<string, string> = {}): void {
  ctx.outcome ??= code;
  writeJson(res, httpErrors[code].status, errorBody(code, ctx.requestId), headers);
}

export const SLACK_PATH = '/slack/events';
const UNMATCHED = 'unmatched';

/** One path's routes by method, and the Allow header that lists them (HEAD comes with GET). */
interface PathEntry {
  byMethod: Map<string, Route>;
  allow: string;
}

function buildTable(routes: Route[]): Map<string, PathEntry> {
  const table = new Map<string, PathEntry>();
  for (const route of routes) {
    const entry = table.get(route.path) ?? { byMethod: new Map<string, Route>(), allow: '' };
    entry.byMethod.set(route.method, route);
    table.set(route.path, entry);
  }
  for (const entry of table.values()) {
    const methods = [...entry.byMethod.keys()];
    if (entry.byMethod.has('GET')) methods.push('HEAD');
    entry.allow = [...methods, 'OPTIONS'].join(', ');
  }
  return table;
}

/** A body the handler did not read is not drained: the connection is closed after the answer instead. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function closeIfBody(req: IncomingMessage): Record<string, string> {
  return hasBody(req) ? { connection: 'close' } : {};
}

/**
 * POST /slack/events as a route like any other: the gate decides from the headers before Bolt reads a
 * byte; an admitted request holds its share of the gate until its response is done.
 */
function slackRoute(listener: RequestListener, gate: SlackGate): Route {
  return {
    method: 'POST',
    path: SLACK_PATH,
    async handle(req, res, ctx) {
      const verdict = gate.admit(req);
      if (!verdict.admitted) {
        ctx.outcome = `refused_${verdict.reason}`;
        res.writeHead(verdict.status, verdict.status === 503 ? { connection: 'close', 'retry-after': '1' } : { connection: 'close' }).end();
        return;
      }
      // The slot is for a body not yet here: once it has all arrived the client can hold nothing more.
      req.once('end', verdict.release);
      res.once('close', verdict.release);
      // Slack sends its body at once; a client that trickles it loses the connection long before requestMs.
      const deadline = setTimeout(() => {
        if (req.complete) return;
        ctx.outcome = 'refused_body_timeout';
        res.destroy();
      }, gate.bodyMs);
      deadline.unref();
      res.once('close', () => clearTimeout(deadline));
      // Bolt answers asynchronously; a synchronous throw lands in the dispatcher's catch.
      listener(req, res);
    },
  };
}

/**
 * One server owns PORT: Slack's endpoint (HTTP mode) and the integration API side by side. Each is
 * transport only; the work is done by the same domain services the Slack listeners call.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const routes = [...options.routes];
  if (options.slackRequestListener !== undefined) {
    const trustProxy = options.trustProxy === true;
    const gate = new SlackGate({ clientOf: (req) => throttleIdentity(clientAddress(req, trustProxy)), ...options.slackGate });
    routes.push(slackRoute(options.slackRequestListener, gate));
  }
  const table = buildTable(routes.filter((route) => route.pattern === undefined));
  // Templated paths (`/access_keys/{id}`) are matched by their patterns, after the exact paths.
  const templated = [...buildTable(routes.filter((route) => route.pattern !== undefined)).entries()].map(([template, entry]) => ({
    template,
    pattern: routes.find((route) => route.path === template)?.pattern,
    entry,
  }));
  const lookup = (path: string): { label: string; entry: PathEntry } | undefined => {
    const exact = table.get(path);
    if (exact !== undefined) return { label: path, entry: exact };
    const match = templated.find((candidate) => candidate.pattern?.test(path) === true);
    return match === undefined ? undefined : { label: match.template, entry: match.entry };
  };
  const { logger, observer } = options;
  const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };

  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    url: string,
    entry: PathEntry | undefined,
  ): Promise<void> {
    if (urlCarriesSecret(url)) {
      ctx.log('warn', 'refused a request with a secret key in its URL');
      sendError(res, ctx, 'secret_in_url', { connection: 'close' });
      return;
    }
    if (entry === undefined) {
      sendError(res, ctx, 'not_found', closeIfBody(req));
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      ctx.outcome = 'options';
      res.writeHead(204, { allow: entry.allow, ...closeIfBody(req) }).end();
      return;
    }
    // HEAD is GET without a body; Node leaves the body out of HEAD responses by itself.
    const route = entry.byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (route === undefined) {
      sendError(res, ctx, 'method_not_allowed', { allow: entry.allow, ...closeIfBody(req) });
      return;
    }
    await route.handle(req, res, ctx);
  }

  /** The one catch: whatever a handler (or Bolt) throws is logged and answered, never left to the process. */
  function failed(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, error: unknown): void {
    try {
      const appError = asAppError(error);
      const code = httpErrorForFault(appError);
      ctx.log('error', 'http route failed', { error: appError.cause ?? appError });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: Record<string, string> = { ...closeIfBody(req), ...(code === 'unavailable' ? { 'retry-after': '1' } : {}) };
      ctx.outcome = code;
      sendError(res, ctx, code, headers);
    } catch (secondary) {
      logger.error('answering a failed request failed', { requestId: ctx.requestId, error: secondary });
      res.destroy();
    }
  }

  const server = createServer(
    { headersTimeout: deadlines.headersMs, requestTimeout: deadlines.requestMs, connectionsCheckingInterval: deadlines.checkIntervalMs },
    (req, res) => {
      const started = performance.now();
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      if (urlTooLong(url)) {
        // Before routing and before the secret check, whose cost grows with the URL: no route needs one this long.
        const refused = new RequestContext(randomUUID(), UNMATCHED, logger);
        res.once('finish', () => observer?.observe(refused.route, 'uri_too_long', (performance.now() - started) / 1000));
        sendError(res, refused, 'uri_too_long', { connection: 'close' });
        return;
      }
      const mount = options.mounts?.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
      if (mount !== undefined) {
        // A mount shares PORT, so the URL rule holds for it too (docs/integration.md, "No secret in a URL").
        if (urlCarriesSecret(url)) {
          const refused = new RequestContext(randomUUID(), mount.prefix, logger);
          refused.log('warn', 'refused a request with a secret key in its URL');
          sendError(res, refused, 'secret_in_url', { connection: 'close' });
          return;
        }
        try {
          mount.listener(req, res);
        } catch (error) {
          logger.error('a mounted listener failed', { error, prefix: mount.prefix });
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
          else res.destroy();
        }
        return;
      }
      const found = lookup(path);
      const entry = found?.entry;
      // Unknown paths share one label, so scanners cannot blow up the metrics' cardinality; templates label their paths.
      const ctx = new RequestContext(randomUUID(), found?.label ?? UNMATCHED, logger);
      res.setHeader('x-request-id', ctx.requestId);
      // An aborted upload or a reset socket is the client's business: noted, never thrown.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      if (observer !== undefined) {
        res.once('finish', () =>
          observer.observe(
            ctx.route,
            ctx.outcome ?? (res.statusCode < 400 ? 'ok' : `http_${res.statusCode}`),
            (performance.now() - started) / 1000,
          ),
        );
      }
      dispatch(req, res, ctx, url, entry).catch((error: unknown) => failed(req, res, ctx, error));
    },
  );
  server.keepAliveTimeout = 5_000;
  return server;
}

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}
