/**
 * `npm run bench:verify` — POST /v1/keys/verify against 100,000 keys with 50
 * concurrent connections, next to a route on the same server that does no work (the ceiling), and
 * with malformed keys only. The three take turns (five rounds of 2 s each, after a warm-up), so a
 * machine that gets busier or quieter during the run moves all three alike. The server runs in a child process so it and the load generator each get
 * a core of a 2-core machine, and so its own CPU time per request can be read: on a shared machine,
 * req/s move with whatever else runs, CPU per request much less. The database is a real SQLite file
 * in WAL mode.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request as AutocannonRequest, type Result } from 'autocannon';
import { insertKeysDirectly, type BulkKey } from '../src/db/bulk-keys.js';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { SecretHasher, generateSecret } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { createIntegrationApi } from '../src/http/api.js';
import { route } from '../src/http/route.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import type { DatabaseConfig } from '../src/config.js';
import pg from 'pg';
import { z } from 'zod';
import { startFlags } from './node-flags.js';
import { benchKeyRow, median } from './replica.js';

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

const KEYS = 100_000;
/** Secrets kept from seeding, spread evenly over the whole table. */
const SAMPLED = 20_000;
/** Distinct bodies every connection cycles through, so lookups hit keys all over the index. */
const DISTINCT_REQUESTS = 2000;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
/** 5 rounds of 2 s: 10 s of load per route, interleaved. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('BENCH_ROUNDS must be a whole number of rounds, 1 or more');
const ROUND_SECONDS = 2;
const RUN_SECONDS = ROUNDS * ROUND_SECONDS;
const OWNER = 'UBENCH';
const SERVER_FLAG = '--server';

function servicesOver(database: DatabaseConfig) {
  const connection = connect(database, { poolSize: 10 });
  const store = createStore(connection);
  return {
    connection,
    services: createServices({
      store,
      now: () => new Date(),
      hasher: new SecretHasher(undefined),
      defaultRoleName: 'Account Group Read Only',
    }),
  };
}

/**
 * Child: the app's HTTP server with the integration API (as runtime.ts wires it), plus a no-op route;
 * and beside it, on a second port, the same API with per-key usage counting off (SPEC §11: counting
 * must keep verify ≥ 0.95 × the same run without it). Both share one process, so CPU per request
 * compares like with like.
 */
async function runServer(database: DatabaseConfig): Promise<void> {
  const { services } = servicesOver(database);
  const logger = createLogger({ level: 'error' });
  const api = createIntegrationApi({ services, now: () => new Date(), logger, tokenSigningSecret: undefined });
  const apiWithoutCounting = createIntegrationApi({
    services,
    now: () => new Date(),
    logger,
    tokenSigningSecret: undefined,
    usage: { counting: false },
  });
  const noop = route({ method: 'POST', path: '/bench/noop', handle: async (ctx) => ctx.json(200, { valid: false, code: 'MALFORMED' }) });
  // The no-op route answers before the body arrives; this one reads and parses it first, so the gap
  // between the two is what reading a verify body costs (a split of verify's gap, not a second ceiling).
  const noopWithBody = route({
    method: 'POST',
    path: '/bench/noop-body',
    body: z.object({ key: z.string().optional() }).catch({}),
    handle: async (ctx) => ctx.json(200, { valid: false, code: 'MALFORMED' }),
  });
  const server = createHttpServer({ routes: [...api.routes, noop, noopWithBody], logger, observer: api.observer });
  const port = await listen(server, 0, '127.0.0.1');
  const serverWithoutCounting = createHttpServer({ routes: apiWithoutCounting.routes, logger, observer: apiWithoutCounting.observer });
  const portWithoutCounting = await listen(serverWithoutCounting, 0, '127.0.0.1');
  // Asked between runs: this process's CPU time (user + system, all its threads), in µs.
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
  process.send?.({ port, portWithoutCounting });
  // A clean exit on SIGTERM, so an optional CPU profile is written.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

const ROLE_PERMISSIONS = ['alerts.read', 'alerts.write', 'compliance.read', 'policies.read', 'policies.write'];
const KEY_PERMISSIONS = ['alerts.read', 'policies.read'];
const KEY_NETWORKS = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '2001:db8::/32'];
/** What an integration of a restricted key sends beside the key: the caller's address and the query it needs. */
const RESTRICTED_ASK = { ip: '10.20.30.40', permissions: 'alerts.read AND (policies.read OR policies.write)' };

interface Seeded {
  /** Keys without permissions or networks (verify as before). */
  plain: string[];
  /** Keys with a permission subset and four network ranges. */
  restricted: string[];
}

/** Seeds 100,000 active keys in bulk (every other one restricted) and returns a sample of their secrets. */
async function seed(database: DatabaseConfig): Promise<Seeded> {
  const { connection, services } = servicesOver(database);
  await migrateToLatest(connection.db);
  await services.users.ensureBaselineRoles();
  await services.users.bootstrapAdmins([OWNER]);
  const role = (await services.users.context(OWNER)).activeRole;
  if (role === null) throw new Error('the bench user has no active role');
  const roleId = role.id;
  // Least privilege (docs/least-privilege.md): the role holds permissions, and every other key carries
  // a subset of them and network ranges, so one run compares verify with both checks and without.
  await services.roles.changePermissions(OWNER, { name: role.name, change: { op: 'add', permissions: ROLE_PERMISSIONS } });
  const hasher = new SecretHasher(undefined);
  const sampled: Seeded = { plain: [], restricted: [] };
  const createdAt = new Date().toISOString();
  // Inserted directly: 100,000 audited creates would take minutes and measure nothing here.
  const keys: BulkKey[] = [];
  for (let i = 0; i < KEYS; i++) {
    const secret = generateSecret();
    const restricted = i % 2 === 1;
    if (i % (KEYS / SAMPLED) < 2) (restricted ? sampled.restricted : sampled.plain).push(secret);
    const row = benchKeyRow(hasher, secret, i, OWNER, createdAt);
    keys.push(restricted ? { ...row, permissions: KEY_PERMISSIONS, networks: KEY_NETWORKS } : row);
  }
  await insertKeysDirectly(connection, roleId, keys);
  await connection.db.destroy();
  return sampled;
}

/**
 * Fixed requests, which autocannon encodes once and then cycles through per connection. (A
 * `setupRequest` per request made the load generator, not the server, the bottleneck.)
 */
function cycling(path: string, bodies: string[]): AutocannonRequest[] {
  return bodies
    .slice(0, DISTINCT_REQUESTS)
    .map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body }));
}

interface Measured {
  /** Every round's result. */
  rounds: Result[];
  requests: number;
  requestsPerSecond: number;
  /** Median of the rounds'. */
  p50: number;
  p99: number;
  max: number;
  failures: number;
  statusCodes: Record<string, number>;
  /** Server CPU time per request, in µs, over all rounds. */
  serverMicros: number;
  /** The same, round by round (rounds of different loads alternate, so round i of each ran side by side). */
  serverMicrosPerRound: number[];
}

function serverCpu(server: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    server.once('message', (message: { cpuMicros: number }) => resolve(message.cpuMicros));
    server.send('cpu');
  });
}

interface Load {
  /** Undefined: the main server (usage counting on). */
  base?: string;
  path: string;
  bodies: string[];
}

interface Round {
  result: Result;
  cpuMicros: number;
}

async function round(server: ChildProcess, base: string, load: Load, seconds: number): Promise<Round> {
  const before = await serverCpu(server);
  const result = await autocannon({
    url: load.base ?? base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: cycling(load.path, load.bodies),
  });
  return { result, cpuMicros: (await serverCpu(server)) - before };
}

function summarise(rounds: Round[], roundSeconds = ROUND_SECONDS): Measured {
  const results = rounds.map((r) => r.result);
  const requests = results.reduce((n, r) => n + r.requests.total, 0);
  const statusCodes: Record<string, number> = {};
  for (const result of results)
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    rounds: results,
    requests,
    requestsPerSecond: requests / (rounds.length * roundSeconds),
    p50: median(results.map((r) => r.latency.p50)),
    p99: median(results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    failures: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    statusCodes,
    serverMicros: rounds.reduce((n, r) => n + r.cpuMicros, 0) / Math.max(1, requests),
    serverMicrosPerRound: rounds.map((r) => r.cpuMicros / Math.max(1, r.result.requests.total)),
  };
}

/** Warm-up for each, then the loads take turns, round by round. */
async function measureInTurns(
  server: ChildProcess,
  base: string,
  loads: Load[],
  schedule: { rounds: number; seconds: number; warmup: boolean } = { rounds: ROUNDS, seconds: ROUND_SECONDS, warmup: true },
): Promise<Measured[]> {
  if (schedule.warmup) for (const load of loads) await round(server, base, load, WARMUP_SECONDS);
  const rounds: Round[][] = loads.map(() => []);
  for (let i = 0; i < schedule.rounds; i++)
    for (const [index, load] of loads.entries()) rounds[index]?.push(await round(server, base, load, schedule.seconds));
  return rounds.map((measured) => summarise(measured, schedule.seconds));
}

/**
 * Least privilege's and usage counting's figures (aim ≥ 0.95 each) are differences of a few per cent, and on a shared 2-core VM a
 * 2 s round of one load can cost 10–20 % more than the next for reasons of its own (a usage flush, the
 * scheduler): eight loads in turn put 14 s between two rounds of a pair. So both pairs are measured once
 * more on their own, in 20 alternating rounds of 1 s, and the median of the 20 side-by-side ratios kept.
 */
const PAIR_ROUNDS = 20;
const PAIR_ROUND_SECONDS = 1;

/**
 * `base`'s CPU per request over `other`'s, taken round by round (each pair ran seconds apart) and the
 * median kept: a usage flush, a cache entry's refresh or another process's burst lands in one round and
 * moves one ratio, not the figure. The whole-run ratio is printed beside it.
 */
function medianRoundRatio(base: Measured, other: Measured): number {
  return median(base.serverMicrosPerRound.map((micros, i) => micros / (other.serverMicrosPerRound[i] ?? Number.NaN)));
}

function line(name: string, measured: Measured): string {
  const bad = measured.failures;
  return `${name.padEnd(22)} ${measured.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${measured.p50.toFixed(2).padStart(6)} ms   p99 ${measured.p99.toFixed(2).padStart(6)} ms   max ${measured.max.toFixed(1).padStart(7)} ms   server CPU ${measured.serverMicros.toFixed(0).padStart(4)} µs/req   non-2xx/errors ${bad}${bad === 0 ? '' : ` ${JSON.stringify(measured.statusCodes)}`}`;
}

function pinApart(child: ChildProcess): void {
  const last = cpus().length - 1;
  if (last < 1 || child.pid === undefined) throw new Error('BENCH_PIN=1 needs two cores or more');
  execFileSync('taskset', ['-a', '-p', '-c', String(last), String(child.pid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', last === 1 ? '0' : `0-${last - 1}`, String(process.pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'akb-bench-'));
  // BENCH_POSTGRES_URL=postgres://…/db runs the same bench on a throw-away PostgreSQL database (pool 10).
  const postgresUrl = process.env.BENCH_POSTGRES_URL;
  const benchDb = `akb_bench_${Date.now()}`;
  const database: DatabaseConfig =
    postgresUrl === undefined
      ? { kind: 'sqlite', path: join(dir, 'bench.sqlite') }
      : { kind: 'postgres', url: withDatabase(postgresUrl, benchDb) };
  if (postgresUrl !== undefined) await adminQuery(postgresUrl, `create database ${benchDb}`);
  let server: ChildProcess | undefined;
  try {
    const secrets = await seed(database);
    const seededIn = (Date.now() - started) / 1000;
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server (open it in Chrome DevTools).
    const profileDir = process.env.BENCH_CPU_PROF;
    const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG, JSON.stringify(database)], {
      // The server runs with npm start's node flags (bench/node-flags.ts), as in production.
      execArgv: [...startFlags(), ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])],
    });
    server = child;
    // BENCH_PIN=1 (Linux, util-linux's taskset): the server on the last core, the load generator on the
    // others, so neither migrates between cores mid-round; on a 2-core VM the ratios then move less run to run.
    if (process.env.BENCH_PIN === '1') pinApart(child);
    const { port, portWithoutCounting } = await new Promise<{ port: number; portWithoutCounting: number }>((resolve, reject) => {
      child.once('message', (message: { port: number; portWithoutCounting: number }) => resolve(message));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the server exited with ${String(code)}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const validBodies = secrets.plain.map((key) => JSON.stringify({ key }));
    const restrictedBodies = secrets.restricted.map((key) => JSON.stringify({ key, ...RESTRICTED_ASK }));
    // The same run without least privilege: keys without ranges or a chosen set, and the same `ip` (which
    // usage counting reads either way), so the comparison is the checks alone.
    // Keys of their own, as the restricted load has: keys shared with the other loads stay warmer in the
    // CPU's caches than the restricted ones, which by itself moved this ratio by up to 0.1 run to run.
    const plainWithIpBodies = secrets.plain.slice(DISTINCT_REQUESTS).map((key) => JSON.stringify({ key, ip: RESTRICTED_ASK.ip }));
    // With counting: what an integration that tags its calls sends (one tag, its end caller's address).
    const taggedBodies = secrets.plain.map((key, i) => JSON.stringify({ key, tags: [`endpoint=/e${i % 20}`], ip: `198.51.${i % 200}.7` }));
    // Right length and prefix, wrong checksum: the costliest malformed key (every cheap check runs).
    const malformedBodies = secrets.plain.map((key) => JSON.stringify({ key: `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}` }));

    // Every restricted body must be a valid answer, or the comparison would measure refusals.
    for (const body of [validBodies[0], restrictedBodies[0]]) {
      const answer = (await (
        await fetch(`${base}/v1/keys/verify`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
      ).json()) as {
        valid: boolean;
      };
      if (!answer.valid) throw new Error(`a seeded key was not valid: ${JSON.stringify(answer)}`);
    }
    const [ceiling, bodyOnly, valid, plainWithIp, restricted, malformed, counted, uncounted] = await measureInTurns(child, base, [
      { path: '/bench/noop', bodies: validBodies },
      { path: '/bench/noop-body', bodies: validBodies },
      { path: '/v1/keys/verify', bodies: validBodies },
      { path: '/v1/keys/verify', bodies: plainWithIpBodies },
      { path: '/v1/keys/verify', bodies: restrictedBodies },
      { path: '/v1/keys/verify', bodies: malformedBodies },
      { path: '/v1/keys/verify', bodies: taggedBodies },
      { base: `http://127.0.0.1:${portWithoutCounting}`, path: '/v1/keys/verify', bodies: taggedBodies },
    ]);
    const [plainPaired, restrictedPaired, countedPaired, uncountedPaired] = await measureInTurns(
      child,
      base,
      [
        { path: '/v1/keys/verify', bodies: plainWithIpBodies },
        { path: '/v1/keys/verify', bodies: restrictedBodies },
        { path: '/v1/keys/verify', bodies: taggedBodies },
        { base: `http://127.0.0.1:${portWithoutCounting}`, path: '/v1/keys/verify', bodies: taggedBodies },
      ],
      { rounds: PAIR_ROUNDS, seconds: PAIR_ROUND_SECONDS, warmup: false },
    );
    if (
      plainPaired === undefined ||
      restrictedPaired === undefined ||
      countedPaired === undefined ||
      uncountedPaired === undefined ||
      ceiling === undefined ||
      bodyOnly === undefined ||
      valid === undefined ||
      plainWithIp === undefined ||
      restricted === undefined ||
      malformed === undefined ||
      counted === undefined ||
      uncounted === undefined
    )
      throw new Error('a load was not measured');

    const ratio = valid.requestsPerSecond / ceiling.requestsPerSecond;
    const malformedRatio = malformed.requestsPerSecond / valid.requestsPerSecond;
    console.log(
      `verify benchmark: ${KEYS.toLocaleString('en')} keys (${database.kind === 'sqlite' ? 'SQLite, WAL' : 'PostgreSQL, pool 10'}), ${CONNECTIONS} connections, ${RUN_SECONDS} s per load (${ROUNDS} rounds of ${ROUND_SECONDS} s, taking turns) after ${WARMUP_SECONDS} s warm-up; p50/p99 are medians of the rounds; seeded in ${seededIn.toFixed(1)} s`,
    );
    console.log(line('no-op route (ceiling)', ceiling));
    console.log(line('no-op, body read', bodyOnly));
    console.log(line('verify, valid keys', valid));
    console.log(line('verify, plain keys + ip', plainWithIp));
    console.log(line('verify, permissions+ip', restricted));
    console.log(line('verify, malformed keys', malformed));
    console.log(line('verify, tagged, counted', counted));
    console.log(line('verify, tagged, no count', uncounted));
    console.log(
      `measured:     valid / ceiling = ${ratio.toFixed(2)} (aim ≥ 0.80 SQLite, 0.60 PostgreSQL)   p99 valid = ${valid.p99.toFixed(2)} ms (aim ≤ 5)   malformed / valid = ${malformedRatio.toFixed(2)} (aim ≥ 1.00: garbage never costs more than a real key)`,
    );
    console.log(
      `from CPU/req: valid / ceiling = ${(ceiling.serverMicros / valid.serverMicros).toFixed(2)} (median of the rounds' ${medianRoundRatio(ceiling, valid).toFixed(2)})   malformed / valid = ${(valid.serverMicros / malformed.serverMicros).toFixed(2)}   (what the server can do per core, whatever else runs on the machine)`,
    );
    console.log(
      `least privilege: restricted / plain (same ip) = ${(restricted.requestsPerSecond / plainWithIp.requestsPerSecond).toFixed(2)} by req/s, ${(plainWithIp.serverMicros / restricted.serverMicros).toFixed(2)} by CPU/req (median of the rounds' ${medianRoundRatio(plainWithIp, restricted).toFixed(2)}; aim ≥ 0.95: a permission query and a network check on keys with ranges, against keys without)`,
    );
    console.log(
      `least privilege, paired: ${PAIR_ROUNDS} alternating rounds of ${PAIR_ROUND_SECONDS} s: restricted / plain by CPU/req = ${medianRoundRatio(plainPaired, restrictedPaired).toFixed(2)} (median of the rounds; ${plainPaired.serverMicros.toFixed(1)} against ${restrictedPaired.serverMicros.toFixed(1)} µs/req over all of them; aim ≥ 0.95)`,
    );
    console.log(
      `where verify's CPU goes: the no-op ${ceiling.serverMicros.toFixed(1)} µs/req, reading and parsing the body +${(bodyOnly.serverMicros - ceiling.serverMicros).toFixed(1)} µs, verifying +${(valid.serverMicros - bodyOnly.serverMicros).toFixed(1)} µs (valid / no-op that reads the body = ${medianRoundRatio(bodyOnly, valid).toFixed(2)} by round)`,
    );
    console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(
      `usage counting: counted / not counted = ${(counted.requestsPerSecond / uncounted.requestsPerSecond).toFixed(2)} by req/s, ${(uncounted.serverMicros / counted.serverMicros).toFixed(2)} by CPU/req (aim ≥ 0.95)`,
    );
    console.log(
      `usage counting, paired: ${PAIR_ROUNDS} alternating rounds of ${PAIR_ROUND_SECONDS} s: counted / not counted by CPU/req = ${medianRoundRatio(uncountedPaired, countedPaired).toFixed(2)} (median of the rounds; aim ≥ 0.95)`,
    );
    const failures =
      ceiling.failures +
      plainPaired.failures +
      restrictedPaired.failures +
      countedPaired.failures +
      uncountedPaired.failures +
      bodyOnly.failures +
      valid.failures +
      plainWithIp.failures +
      restricted.failures +
      malformed.failures +
      counted.failures +
      uncounted.failures;
    // One line to compare runs by (docs/performance.md): throughput ratio, CPU-per-request ratio, p99, errors.
    console.log(
      `verify: valid/ceiling=${ratio.toFixed(2)} (cpu ${(ceiling.serverMicros / valid.serverMicros).toFixed(2)}, by round ${medianRoundRatio(ceiling, valid).toFixed(2)}) restricted/plain=${medianRoundRatio(plainPaired, restrictedPaired).toFixed(2)} (cpu, paired rounds) p99=${valid.p99.toFixed(2)} ms malformed/valid=${malformedRatio.toFixed(2)} counted/uncounted=${medianRoundRatio(uncountedPaired, countedPaired).toFixed(2)} (cpu, paired rounds) errors=${failures}`,
    );
    if (failures > 0) process.exitCode = 1;
  } finally {
    server?.kill();
    if (server !== undefined && server.exitCode === null) await new Promise((resolve) => server?.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    if (postgresUrl !== undefined) await adminQuery(postgresUrl, `drop database if exists ${benchDb} with (force)`);
  }
}

const serverPath = process.argv[2] === SERVER_FLAG ? process.argv[3] : undefined;
(serverPath === undefined ? main() : runServer(JSON.parse(serverPath) as DatabaseConfig)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
