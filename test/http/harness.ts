import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { createStore } from '../../src/db/store.js';
import type { Store } from '../../src/domain/ports.js';
import type { Services } from '../../src/domain/services.js';
import type { IntegrationApi, IntegrationApiOptions } from '../../src/http/api.js';
import { startHttp } from '../../src/http/wiring.js';
import { createMemoryLogger } from '../../src/logger.js';
import { createTestDatabase, type DialectName, type TestDatabase } from '../support/db.js';
import { makeServices, type ServicesOptions, type TestClock } from '../support/domain.js';

export const TOKEN_SECRET = 'http-test-token-signing-secret-32chars+';
export const ADMIN = 'UADMIN';
export const ALICE = 'UALICE';
export const BOB = 'UBOB';

/**
 * Counts every query the database answers, by kind: the proof that a path touched the database or not.
 * Counted per execution (transformResult), since the verify lookup is compiled once and run many times.
 */
export class QueryLog implements KyselyPlugin {
  readonly statements: string[] = [];
  readonly #kinds = new WeakMap<QueryId, string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#kinds.set(args.queryId, args.node.kind);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements.push(this.#kinds.get(args.queryId) ?? 'PrecompiledQuery');
    return args.result;
  }
  get count(): number {
    return this.statements.length;
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; the harness fails the test if a JSON endpoint ever answers something else. */
  json: Record<string, unknown>;
}

export interface ApiHarness {
  db: TestDatabase;
  services: Services;
  /** The services' store, to check state (the query log counts these reads too). */
  store: Store;
  clock: TestClock;
  api: IntegrationApi;
  server: Server;
  base: string;
  metricsBase: string;
  queries: QueryLog;
  logs: string[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  postRaw(path: string, body: string, headers?: Record<string, string>): Promise<Reply>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  /** GET /metrics from the metrics port. */
  metrics(): Promise<Reply>;
  /** A key (alice's unless another owner with API access is named), with its secret. */
  createKey(name: string, options?: { expiresAt?: Date; owner?: string }): Promise<{ id: string; secret: string; ownerId: string }>;
  close(): Promise<void>;
}

async function toReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * The integration API as runtime.ts wires it (same routes, same server, same observer), over a real
 * database, without Slack. Client addresses come from X-Forwarded-For (trustProxy) so one test can
 * play several clients.
 */
export async function startApi(
  dialect: DialectName,
  options: Partial<Omit<IntegrationApiOptions, 'services' | 'logger' | 'now'>> = {},
  servicesOptions: Pick<ServicesOptions, 'mfa'> = {},
): Promise<ApiHarness> {
  const db = await createTestDatabase(dialect);
  const queries = new QueryLog();
  const store = createStore({ ...db.connection, db: db.connection.db.withPlugin(queries) });
  const { services, clock } = await makeServices(store, { admins: [ADMIN], ...servicesOptions });
  for (const user of [ALICE, BOB]) await services.access.grant(ADMIN, user);
  const logger = createMemoryLogger();
  // The same wiring as runtime.ts (src/http/wiring.ts): /metrics on its own loopback port.
  const http = await startHttp({
    services,
    now: clock.now,
    logger,
    tokenSigningSecret: TOKEN_SECRET,
    trustProxy: true,
    flushIntervalMs: 0,
    ...options,
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    metricsHost: '127.0.0.1',
  });
  const { api, server } = http;
  const base = `http://127.0.0.1:${http.port}`;
  const metricsBase = `http://127.0.0.1:${http.metricsPort}`;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    toReply(
      await fetch(base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
    );
  const postRaw = async (path: string, body: string, headers: Record<string, string> = {}) =>
    toReply(await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }));
  const get = async (path: string, headers: Record<string, string> = {}) => toReply(await fetch(base + path, { headers }));
  let closed = false;
  return {
    db,
    services,
    store,
    clock,
    api,
    server,
    base,
    metricsBase,
    queries,
    logs: logger.lines,
    post,
    postRaw,
    get,
    metrics: async () => toReply(await fetch(`${metricsBase}/metrics`)),
    async createKey(name, keyOptions = {}) {
      const owner = keyOptions.owner ?? ALICE;
      const expiry =
        keyOptions.expiresAt === undefined ? ({ kind: 'never' } as const) : ({ kind: 'at', at: keyOptions.expiresAt } as const);
      const result = await services.keys.create(owner, { name, expiry });
      if (!result.created) throw new Error('the key was not created');
      return { id: result.key.id, secret: result.secret, ownerId: owner };
    },
    async close() {
      if (closed) return;
      closed = true;
      await http.stop();
      await db.cleanup();
    },
  };
}

/**
 * Sends a body the raw way (node:http), for what fetch will not do: stream a body without a length,
 * lie about the length, or keep sending after the server answered. Resolves with the status the
 * server gave, or 'reset' if the connection was cut before any answer.
 */
export function rawRequest(
  base: string,
  options: {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    chunks: Iterable<Buffer | string>;
    chunkDelayMs?: number;
    keepOpen?: boolean;
  },
): Promise<{ status: number | 'reset'; body: string; bytesSent: number }> {
  const url = new URL(options.path, base);
  return new Promise((resolve) => {
    let bytesSent = 0;
    let answered = false;
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, bytesSent });
          req.destroy();
        });
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body, bytesSent }));
      },
    );
    req.on('error', () => {
      if (!answered) resolve({ status: 'reset', body: '', bytesSent });
    });
    const iterator = options.chunks[Symbol.iterator]();
    const pump = () => {
      if (answered || req.destroyed) return;
      const next = iterator.next();
      if (next.done === true) {
        // keepOpen: the body stays unfinished, as a client that announced more than it sends.
        if (options.keepOpen !== true) req.end();
        return;
      }
      bytesSent += Buffer.byteLength(next.value);
      const more = req.write(next.value);
      if (options.chunkDelayMs !== undefined) setTimeout(pump, options.chunkDelayMs);
      else if (more) setImmediate(pump);
      else req.once('drain', pump);
    };
    pump();
  });
}
