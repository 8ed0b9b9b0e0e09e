/**
 * `npm run bench:verify` — checklist F1/F2: POST /v1/keys/verify against 100,000 keys with 50
 * concurrent connections, next to a route on the same server that does no work (the ceiling), and
 * with malformed keys only. The server runs in a worker thread so it and the load generator each get
 * a core of a 2-core machine; the database is a real SQLite file in WAL mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon, { type Request as AutocannonRequest, type Result } from 'autocannon';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { SecretHasher, generateKeyId, generateSecret, secretStart } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { createIntegrationApi } from '../src/http/api.js';
import { createHttpServer, listen, sendJson, type Route } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

const KEYS = 100_000;
/** Secrets the load generator cycles through: enough that lookups spread over the whole index. */
const SAMPLED = 20_000;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 10;
const OWNER = 'UBENCH';

interface ServerData {
  path: string;
}

function services(path: string) {
  const connection = connect({ kind: 'sqlite', path });
  const store = createStore(connection);
  return { connection, services: createServices({ store, now: () => new Date(), hasher: new SecretHasher(undefined), defaultRoleName: 'Account Group Read Only' }) };
}

/** Worker: the app's HTTP server with the integration API, plus a route that does nothing. */
async function runServer(data: ServerData): Promise<void> {
  const { services: app } = services(data.path);
  const logger = createLogger({ level: 'warn' });
  const api = createIntegrationApi({ services: app, logger, tokenSigningSecret: undefined });
  const noop: Route = {
    method: 'POST',
    path: '/bench/noop',
    async handle(_req, res) {
      sendJson(res, 200, { valid: false, code: 'MALFORMED' });
    },
  };
  const server = createHttpServer({ routes: [...api.routes, noop], logger, observer: api.observer });
  const port = await listen(server, 0, '127.0.0.1');
  // The main thread asks how busy this thread's event loop was: CPU per request on the server side,
  // which is less sensitive to what else runs on the machine than req/s are.
  parentPort?.on('message', () => parentPort?.postMessage({ elu: performance.eventLoopUtilization() }));
  parentPort?.postMessage({ port });
}

/** Main: seed 100,000 keys in bulk, start the server worker, measure. */
async function seed(path: string): Promise<string[]> {
  const { connection, services: app } = services(path);
  await migrateToLatest(connection.db);
  await app.users.ensureBaselineRoles();
  await app.users.bootstrapAdmins([OWNER]);
  const context = await app.users.context(OWNER);
  const roleId = context.activeRole?.id;
  if (roleId === undefined) throw new Error('the bench user has no active role');
  const hasher = new SecretHasher(undefined);
  const sampled: string[] = [];
  const createdAt = new Date().toISOString();
  // Direct SQL is fine in a benchmark: 100,000 audited creates would take minutes and measure nothing here.
  await connection.db.transaction().execute(async (trx) => {
    for (let start = 0; start < KEYS; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(KEYS, start + 1000); i++) {
        const secret = generateSecret();
        if (i % (KEYS / SAMPLED) === 0) sampled.push(secret);
        rows.push({
          id: generateKeyId(),
          name: `bench-${i}`,
          name_lower: `bench-${i}`,
          owner_id: OWNER,
          role_id: roleId,
          key_hash: hasher.hash(secret),
          hash_version: hasher.version,
          secret_start: secretStart(secret),
          status: 'active',
          expires_at: null,
          created_at: createdAt,
          created_by: OWNER,
          // Keys in steady use: a first use is audited (a hash-chained record each), which is right once
          // per key but would turn this into a benchmark of 20,000 first uses in ten seconds.
          last_used_at: createdAt,
          last_used_ip: '127.0.0.1',
          request_id: null,
        });
      }
      await trx.insertInto('access_keys').values(rows).execute();
    }
  });
  await connection.db.destroy();
  return sampled;
}

function cycling(path: string, bodies: string[]) {
  let next = 0;
  return [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: AutocannonRequest) => {
        request.body = bodies[next++ % bodies.length];
        return request;
      },
    },
  ];
}

interface Measured {
  result: Result;
  /** Server event-loop time per request, in µs. */
  serverMicros: number;
  /** Share of the run the server's event loop was busy. */
  serverUtilisation: number;
}

function serverLoad(worker: Worker): Promise<EventLoopUtilization> {
  return new Promise((resolve) => {
    worker.once('message', (message: { elu: EventLoopUtilization }) => resolve(message.elu));
    worker.postMessage('elu');
  });
}

async function measure(worker: Worker, base: string, path: string, bodies: string[]): Promise<Measured> {
  await autocannon({ url: base, connections: CONNECTIONS, duration: WARMUP_SECONDS, requests: cycling(path, bodies) });
  const before = await serverLoad(worker);
  const result = await autocannon({ url: base, connections: CONNECTIONS, duration: RUN_SECONDS, requests: cycling(path, bodies) });
  const after = await serverLoad(worker);
  const active = after.active - before.active;
  const idle = after.idle - before.idle;
  return { result, serverMicros: (active * 1000) / Math.max(1, result.requests.total), serverUtilisation: active / Math.max(1, active + idle) };
}

function line(name: string, { result, serverMicros, serverUtilisation }: Measured): string {
  const bad = result.non2xx + result.errors + result.timeouts;
  return `${name.padEnd(22)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50.toFixed(2).padStart(6)} ms   p99 ${result.latency.p99.toFixed(2).padStart(6)} ms   max ${result.latency.max.toFixed(1).padStart(6)} ms   server ${serverMicros.toFixed(0).padStart(4)} µs/req (busy ${(serverUtilisation * 100).toFixed(0)}%)   non-2xx/errors ${bad}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'akb-bench-'));
  const path = join(dir, 'bench.sqlite');
  const worker = { current: undefined as Worker | undefined };
  try {
    const secrets = await seed(path);
    const seededIn = (Date.now() - started) / 1000;
    const current = new Worker(new URL(import.meta.url), { workerData: { path } satisfies ServerData });
    worker.current = current;
    const port = await new Promise<number>((resolve, reject) => {
      current.once('message', (message: { port: number }) => resolve(message.port));
      current.once('error', reject);
    });
    const base = `http://127.0.0.1:${port}`;
    const validBodies = secrets.map((key) => JSON.stringify({ key }));
    // Right length and prefix, wrong checksum: the costliest malformed key (every cheap check runs).
    const malformedBodies = secrets.map((key) => JSON.stringify({ key: `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}` }));

    const ceiling = await measure(current, base, '/bench/noop', validBodies);
    const valid = await measure(current, base, '/v1/keys/verify', validBodies);
    const malformed = await measure(current, base, '/v1/keys/verify', malformedBodies);

    const ratio = valid.result.requests.average / ceiling.result.requests.average;
    const malformedRatio = malformed.result.requests.average / valid.result.requests.average;
    console.log(`verify benchmark: ${KEYS.toLocaleString('en')} keys (SQLite, WAL), ${CONNECTIONS} connections, ${RUN_SECONDS} s per run after ${WARMUP_SECONDS} s warm-up; seeded in ${seededIn.toFixed(1)} s`);
    console.log(line('no-op route (ceiling)', ceiling));
    console.log(line('verify, valid keys', valid));
    console.log(line('verify, malformed keys', malformed));
    console.log(`valid / ceiling = ${ratio.toFixed(2)} (aim ≥ 0.50)   p99 valid = ${valid.result.latency.p99.toFixed(2)} ms (aim ≤ 10)   malformed / valid = ${malformedRatio.toFixed(2)} (aim ≥ 1.50)`);
    console.log(`server CPU per request: valid / ceiling = ${(ceiling.serverMicros / valid.serverMicros).toFixed(2)}, malformed / valid = ${(valid.serverMicros / malformed.serverMicros).toFixed(2)} (as throughput ratios; load from other processes inflates req/s noise, less so these)`);
    console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const failures = [ceiling, valid, malformed].reduce((n, { result: r }) => n + r.non2xx + r.errors + r.timeouts, 0);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await worker.current?.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runServer(workerData as ServerData).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
