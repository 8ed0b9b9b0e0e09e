import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { asAppError } from '../errors.js';
import type { LogFields, Logger } from '../logger.js';
import { errorBody, httpErrorForFault, httpErrors, writeJson, type HttpErrorCode } from './errors.js';

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
  /** The exact path, or with `pattern` the path's template (e.g. `/access_keys/{id}`), the metrics label. */
  path: string;
  /** Matches paths with parameters (tried after exact paths); the route parses them from the path itself. */
  pattern?: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>;
}

/** Receives one observation per finished request (the metrics of the integration API). */
export interface HttpObserver {
  observe(route: string, outcome: string, seconds: number): void;
}

export interface HttpServerOptions {
  routes: Route[];
  /** In HTTP mode, Bolt's receiver answers Slack's requests on POST /slack/events. */
  slackRequestListener?: RequestListener;
  logger: Logger;
  observer?: HttpObserver;
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

const SLACK_PATH = '/slack/events';
const SLACK_MAX_BODY_BYTES = 1024 * 1024;
const UNMATCHED = 'unmatched';

/** OWASP REST: keys never travel in URLs (they end up in proxy logs and browser history). */
function urlCarriesSecret(url: string): boolean {
  if (url.includes('aks_')) return true;
  if (!url.includes('%')) return false;
  try {
    return decodeURIComponent(url).includes('aks_');
  } catch {
    // Undecodable escapes: look for the prefix with any of its letters escaped.
    return /(a|%61)(k|%6b)(s|%73)(_|%5f)/i.test(url);
  }
}

/**
 * One server owns PORT: Slack's endpoint (HTTP mode) and the integration API side by side. Each is
 * transport only; the work is done by the same domain services the Slack listeners call.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const table = new Map(options.routes.map((route) => [`${route.method} ${route.path}`, route]));
  const paths = new Set(options.routes.map((route) => route.path));
  const patterned = options.routes.filter((route) => route.pattern !== undefined);
  const templateOf = (path: string): string | undefined => patterned.find((route) => route.pattern?.test(path) === true)?.path;
  const { logger, observer } = options;

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const started = performance.now();

    const mount = options.mounts?.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (mount !== undefined) {
      mount.listener(req, res);
      return;
    }

    if (path === SLACK_PATH && options.slackRequestListener !== undefined) {
      if (observer !== undefined) {
        res.once('finish', () => observer.observe(SLACK_PATH, res.statusCode < 400 ? 'ok' : `http_${res.statusCode}`, (performance.now() - started) / 1000));
      }
      // Bolt buffers the whole body before it checks the signature: unsigned giants stop here. Slack's
      // largest payloads (a modal's state) are tens of kilobytes, and Slack always sends Content-Length.
      const length = Number(req.headers['content-length'] ?? Number.NaN);
      if (!Number.isFinite(length) || length > SLACK_MAX_BODY_BYTES) {
        res.writeHead(Number.isFinite(length) ? 413 : 411).end();
        req.resume();
        return;
      }
      options.slackRequestListener(req, res);
      return;
    }

    const route = table.get(`${req.method ?? 'GET'} ${path}`) ?? patterned.find((candidate) => candidate.method === req.method && candidate.pattern?.test(path) === true);
    const template = paths.has(path) ? path : templateOf(path);
    // Unknown paths share one label, so scanners cannot blow up the metrics' cardinality.
    const ctx = new RequestContext(randomUUID(), route?.path ?? template ?? UNMATCHED, logger);
    res.setHeader('x-request-id', ctx.requestId);
    if (observer !== undefined) {
      res.once('finish', () => observer.observe(ctx.route, ctx.outcome ?? (res.statusCode < 400 ? 'ok' : `http_${res.statusCode}`), (performance.now() - started) / 1000));
    }

    if (urlCarriesSecret(url)) {
      ctx.log('warn', 'refused a request with a secret key in its URL');
      sendError(res, ctx, 'secret_in_url', { connection: 'close' });
      return;
    }
    if (route === undefined) {
      sendError(res, ctx, template !== undefined ? 'method_not_allowed' : 'not_found');
      return;
    }
    route.handle(req, res, ctx).catch((error: unknown) => {
      const appError = asAppError(error);
      const code = httpErrorForFault(appError);
      ctx.log('error', 'http route failed', { error: appError.cause ?? appError });
      if (!res.headersSent) sendError(res, ctx, code, code === 'unavailable' ? { 'retry-after': '1' } : {});
      else res.destroy();
    });
  });
  // Slow clients must not hold sockets open (slowloris): headers and whole requests are bounded.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
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
