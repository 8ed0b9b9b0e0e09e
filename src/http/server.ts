/**
 * Why hand-written node:http and not a framework such as Fastify: measured (src/http/README.md),
 * Fastify's verify served under 0.9 of this server's throughput in two runs of three, at more CPU per
 * request. So the hardening lives in one central dispatcher below, which every route goes through —
 * Slack's endpoint and the bench's ceiling route included: the URL length limit, the secret-in-URL
 * refusal, 404/405 (with Allow) and OPTIONS, the Slack body gate, one catch around every handler, and
 * the metrics of each request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { asAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientAddress, throttleIdentity } from './client.js';
import { trustedProxies } from './client-address.js';
import { httpErrorForFault } from './errors.js';
import { RequestContext, pathOf, route, statusOutcome, type Outcome, type Route } from './route.js';
import { SlackGate, type SlackGateOptions } from './slack-gate.js';
import { urlCarriesSecret, urlTooLong } from './url-secrets.js';

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
  /** The proxies whose X-Forwarded-For is believed (client-address.ts); wins over `trustProxy`. */
  trustProxyCidrs?: readonly string[];
  /** Whole path prefixes handed to another listener (the local sandbox serves its page and API this way). */
  mounts?: PathMount[];
}

export interface PathMount {
  /** e.g. '/sandbox': matches '/sandbox' and everything below it. */
  prefix: string;
  listener: RequestListener;
}

export const SLACK_PATH = '/slack/events';
const UNMATCHED = 'unmatched';

/** One path's routes by method, and the Allow header that lists them (HEAD comes with GET). */
interface PathEntry {
  label: string;
  pattern: RegExp | undefined;
  byMethod: Map<string, Route>;
  allow: string;
}

function buildTable(routes: Route[]): PathEntry[] {
  const table = new Map<string, PathEntry>();
  for (const declared of routes) {
    const entry = table.get(declared.path) ?? {
      label: declared.path,
      pattern: declared.pattern,
      byMethod: new Map<string, Route>(),
      allow: '',
    };
    entry.byMethod.set(declared.method, declared);
    table.set(declared.path, entry);
  }
  for (const entry of table.values()) {
    const methods = [...entry.byMethod.keys()];
    if (entry.byMethod.has('GET')) methods.push('HEAD');
    entry.allow = [...methods, 'OPTIONS'].join(', ');
  }
  return [...table.values()];
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
  return route({
    method: 'POST',
    path: SLACK_PATH,
    handle({ req, res }) {
      const verdict = gate.admit(req);
      if (!verdict.admitted) {
        res.writeHead(verdict.status, verdict.status === 503 ? { connection: 'close', 'retry-after': '1' } : { connection: 'close' }).end();
        return `refused_${verdict.reason}`;
      }
      // The slot is for a body not yet here: once it has all arrived the client can hold nothing more.
      req.once('end', verdict.release);
      res.once('close', verdict.release);
      // Slack sends its body at once; a client that trickles it loses the connection long before requestMs.
      let timedOut = false;
      const deadline = setTimeout(() => {
        if (req.complete) return;
        timedOut = true;
        res.destroy();
      }, gate.bodyMs);
      deadline.unref();
      // Bolt answers asynchronously: the outcome is known when the response is done.
      const outcome = new Promise<Outcome>((resolve) =>
        res.once('close', () => {
          clearTimeout(deadline);
          resolve(timedOut ? 'refused_body_timeout' : statusOutcome(res.statusCode));
        }),
      );
      // A synchronous throw lands in the dispatcher's catch.
      listener(req, res);
      return outcome;
    },
  });
}

/**
 * One server owns PORT: Slack's endpoint (HTTP mode) and the integration API side by side. Each is
 * transport only; the work is done by the same domain services the Slack listeners call.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const routes = [...options.routes];
  if (options.slackRequestListener !== undefined) {
    const trusted = trustedProxies(options.trustProxy, options.trustProxyCidrs);
    const gate = new SlackGate({ clientOf: (req) => throttleIdentity(clientAddress(req, trusted)), ...options.slackGate });
    routes.push(slackRoute(options.slackRequestListener, gate));
  }
  const entries = buildTable(routes);
  const exact = new Map(entries.filter((entry) => entry.pattern === undefined).map((entry) => [entry.label, entry]));
  // Templated paths (`/access_keys/{id}`) are matched by their patterns, after the exact paths.
  const templated = entries.filter((entry) => entry.pattern !== undefined);
  const lookup = (path: string): PathEntry | undefined => exact.get(path) ?? templated.find((entry) => entry.pattern?.test(path) === true);
  const { logger, observer } = options;
  const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };

  /** Answers what no route answers (secret in the URL, 404, OPTIONS, 405), or hands the request to its route. */
  function dispatch(
    ctx: RequestContext<Record<string, string>, undefined>,
    url: string,
    entry: PathEntry | undefined,
    done: (outcome: Outcome | Promise<Outcome>) => void,
  ): void {
    const { req, res } = ctx;
    if (urlCarriesSecret(url)) {
      ctx.log('warn', 'refused a request with a secret key in its URL');
      done(ctx.error('secret_in_url', { connection: 'close' }));
      return;
    }
    if (entry === undefined) {
      done(ctx.error('not_found', closeIfBody(req)));
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, { allow: entry.allow, ...closeIfBody(req) }).end();
      done('options');
      return;
    }
    // HEAD is GET without a body; Node leaves the body out of HEAD responses by itself.
    const found = entry.byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (found === undefined) {
      done(ctx.error('method_not_allowed', { allow: entry.allow, ...closeIfBody(req) }));
      return;
    }
    found.serve(ctx, done);
  }

  /** The one catch: whatever a handler (or Bolt) throws is logged and answered, never left to the process. */
  function failed(ctx: RequestContext<Record<string, string>, undefined>, error: unknown): Outcome | undefined {
    const { req, res } = ctx;
    try {
      const appError = asAppError(error);
      const code = httpErrorForFault(appError);
      ctx.log('error', 'http route failed', { error: appError.cause ?? appError });
      if (res.headersSent) {
        res.destroy();
        return code;
      }
      return ctx.error(code, { ...closeIfBody(req), ...(code === 'unavailable' ? { 'retry-after': '1' } : {}) });
    } catch (secondary) {
      logger.error('answering a failed request failed', { requestId: ctx.requestId, error: secondary });
      res.destroy();
      return undefined;
    }
  }

  /** Observes the request once both its outcome is known and its answer has gone out. */
  function observed(res: ServerResponse, route: string, started: number): (outcome: Outcome | undefined) => void {
    if (observer === undefined) return () => undefined;
    let outcome: Outcome | undefined;
    let seconds: number | undefined;
    const report = () => {
      if (outcome !== undefined && seconds !== undefined) observer.observe(route, outcome, seconds);
    };
    res.once('finish', () => {
      seconds = (performance.now() - started) / 1000;
      report();
    });
    return (value) => {
      outcome = value;
      report();
    };
  }

  const server = createServer(
    { headersTimeout: deadlines.headersMs, requestTimeout: deadlines.requestMs, connectionsCheckingInterval: deadlines.checkIntervalMs },
    (req, res) => {
      const started = performance.now();
      const url = req.url ?? '/';
      const path = pathOf(url);
      if (urlTooLong(url)) {
        // Before routing and before the secret check, whose cost grows with the URL: no route needs one this long.
        const refused = new RequestContext(randomUUID(), UNMATCHED, req, res, logger, {}, undefined);
        observed(res, UNMATCHED, started)(refused.error('uri_too_long', { connection: 'close' }));
        return;
      }
      const mount = options.mounts?.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
      if (mount !== undefined) {
        // A mount shares PORT, so the URL rule holds for it too (docs/integration.md, "No secret in a URL").
        if (urlCarriesSecret(url)) {
          const refused = new RequestContext(randomUUID(), mount.prefix, req, res, logger, {}, undefined);
          refused.log('warn', 'refused a request with a secret key in its URL');
          refused.error('secret_in_url', { connection: 'close' });
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
      const entry = lookup(path);
      // Unknown paths share one label, so scanners cannot blow up the metrics' cardinality; templates label their paths.
      const ctx = new RequestContext(randomUUID(), entry?.label ?? UNMATCHED, req, res, logger, {}, undefined);
      res.setHeader('x-request-id', ctx.requestId);
      // An aborted upload or a reset socket is the client's business: noted, never thrown.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      const settle = observed(res, ctx.route, started);
      try {
        dispatch(ctx, url, entry, (outcome) => {
          if (typeof outcome === 'string') settle(outcome);
          else outcome.then(settle, (error: unknown) => settle(failed(ctx, error)));
        });
      } catch (error) {
        // A throw outside any handler (the dispatcher's own answers) must not end the process either.
        settle(failed(ctx, error));
      }
    },
  );
  server.keepAliveTimeout = 5_000;
  return server;
}

/**
 * The accept queue's length. Node's default, 511, overflows when a thousand clients connect at once
 * (a fleet restarting): the kernel then drops SYNs, and each dropped client retries after 1 s, then
 * 3 s, and gets its first answer seconds late (bench:connections counted 302 overflows and a last
 * first answer after 3.1 s). Linux caps it at net.core.somaxconn (4096 on current kernels).
 */
export const LISTEN_BACKLOG = 4096;

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}
