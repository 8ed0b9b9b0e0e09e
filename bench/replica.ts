/**
 * What bench:connections, bench:replicas and bench:revocation share: a throw-away PostgreSQL database,
 * bulk seeding of verifiable keys, the app's HTTP server as a child process ("a replica": its own pool
 * of 10, its own key cache and, on PostgreSQL, its own LISTEN connection) that obeys key commands and
 * reports its CPU time over IPC, and the revocation measurement.
 *
 * Run as a child only: `node dist/bench/replica.js --replica '<DatabaseConfig as JSON>'`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Options as AutocannonOptions, Request as AutocannonRequest } from 'autocannon';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.js';
import { insertKeysDirectly, type BulkKey } from '../src/db/bulk-keys.js';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { SecretHasher, generateKeyId, generateSecret, secretStart } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { createIntegrationApi } from '../src/http/api.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

/** The admin who makes (and revokes) keys through a replica. */
const OWNER = 'UBENCH';
/**
 * Who owns the seeded keys: not OWNER, whose role allows a couple of keys per user, so that creating one
 * (revocation) is not refused for the 100,000 already held.
 */
const BULK_OWNER = 'UBENCHBULK';
const REPLICA_FLAG = '--replica';

/** A whole number from the environment (smoke runs shorten the benches), else the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${raw}`);
  return value;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * autocannon options that spread `requests` over the connections, each cycling through its own share
 * (all of them together cover the whole list). autocannon encodes a connection's requests when it makes
 * its client, so 1,000 connections each given all 2,000 would build two million buffers before the first
 * request: the load generator, not the server, would be measured.
 */
export function spreadOver(requests: AutocannonRequest[], connections: number): Pick<AutocannonOptions, 'requests' | 'setupClient'> {
  const share = Math.max(1, Math.floor(requests.length / connections));
  let next = 0;
  return {
    requests: requests.slice(0, 1),
    setupClient: (client) => {
      const start = (next++ * share) % requests.length;
      client.setRequests(requests.slice(start, start + share));
    },
  };
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Runs `use` on a database created for it on BENCH_POSTGRES_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards whatever happens (`with (force)`:
 * a replica that did not exit cleanly may still hold a connection).
 */
export async function withThrowAwayPostgres<T>(prefix: string, use: (database: DatabaseConfig) => Promise<T>): Promise<T> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${Date.now()}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await adminQuery(adminUrl, `create database ${name}`);
  try {
    return await use({ kind: 'postgres', url: url.toString() });
  } finally {
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  }
}

function servicesOver(database: DatabaseConfig) {
  const connection = connect(database, { poolSize: 10 });
  return {
    connection,
    services: createServices({
      store: createStore(connection),
      now: () => new Date(),
      hasher: new SecretHasher(undefined),
      defaultRoleName: 'Account Group Read Only',
    }),
  };
}

/**
 * Migrates the database, makes OWNER an admin, and inserts `count` active, delivered keys in steady use
 * (src/db/bulk-keys.ts; 100,000 audited creates would take minutes and measure nothing). Returns the
 * secrets of `sampled` of them, spread evenly over the table.
 */
/**
 * One seeded key, active and delivered, as the benches insert them in bulk (`insertKeysDirectly`):
 * 100,000 audited creates would take minutes and measure nothing.
 */
export function benchKeyRow(hasher: SecretHasher, secret: string, index: number, ownerId: string, createdAt: string): BulkKey {
  return {
    id: generateKeyId(),
    name: `bench-${index}`,
    ownerId,
    keyHash: hasher.hash(secret),
    hashVersion: hasher.version,
    secretStart: secretStart(secret),
    expiresAt: null,
    createdAt,
    // In steady use: a first use is audited (a hash-chained record each), right once per key, but it
    // would turn the bench into one of first uses.
    lastUsedAt: createdAt,
    lastUsedIp: '127.0.0.1',
    // Only a delivered key authenticates; an undelivered one is NOT_FOUND (and throttled as a guess).
    deliveredAt: createdAt,
  };
}

export async function seedKeys(database: DatabaseConfig, count: number, sampled: number): Promise<string[]> {
  const { connection, services } = servicesOver(database);
  try {
    await migrateToLatest(connection.db);
    await services.users.ensureBaselineRoles();
    await services.users.bootstrapAdmins([OWNER]);
    if (count === 0) return [];
    const role = (await services.users.context(OWNER)).activeRole;
    if (role === null) throw new Error('the bench user has no active role');
    const hasher = new SecretHasher(undefined);
    const every = Math.max(1, Math.floor(count / sampled));
    const secrets: string[] = [];
    const createdAt = new Date().toISOString();
    const keys: BulkKey[] = [];
    for (let i = 0; i < count; i++) {
      const secret = generateSecret();
      if (i % every === 0 && secrets.length < sampled) secrets.push(secret);
      keys.push(benchKeyRow(hasher, secret, i, BULK_OWNER, createdAt));
    }
    await insertKeysDirectly(connection, role.id, keys);
    return secrets;
  } finally {
    await connection.db.destroy();
  }
}

type Command = { op: 'create'; name: string } | { op: 'deactivate'; keyId: string } | { op: 'delete'; keyId: string } | { op: 'cpu' };
type Reply = { port: number } | { keyId: string; secret: string } | { done: true } | { cpuMicros: number };

/** Child: one replica, its integration API wired as runtime.ts wires it; it also obeys the parent's commands. */
async function runReplica(database: DatabaseConfig): Promise<void> {
  const { services } = servicesOver(database);
  const logger = createLogger({ level: 'error' });
  const api = createIntegrationApi({ services, now: () => new Date(), logger, tokenSigningSecret: undefined });
  const server = createHttpServer({ routes: api.routes, logger, observer: api.observer });
  const port = await listen(server, 0, '127.0.0.1');
  process.on('message', (command: Command) => {
    const run = async (): Promise<Reply> => {
      switch (command.op) {
        case 'cpu': {
          // This process's CPU time (user + system, all its threads), in µs.
          const { user, system } = process.cpuUsage();
          return { cpuMicros: user + system };
        }
        case 'create': {
          const created = await services.keys.create(OWNER, { name: command.name, expiry: { kind: 'never' } });
          if (!created.created) throw new Error('no key was created');
          return { keyId: created.key.id, secret: created.secret };
        }
        case 'deactivate':
          await services.keys.deactivate(OWNER, command.keyId);
          return { done: true };
        case 'delete':
          await services.keys.delete(OWNER, { reference: command.keyId });
          return { done: true };
      }
    };
    run().then(
      (reply) => process.send?.(reply),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send?.({ port });
  // A clean exit on SIGTERM, so an optional CPU profile is written.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  // A parent that died without stopping its replicas leaves none behind.
  process.on('disconnect', () => process.exit(0));
}

export interface Replica {
  child: ChildProcess;
  port: number;
}

/** One command at a time per replica: replies are matched to commands by order. A replica that dies fails it. */
function ask(replica: Replica, command: Command): Promise<Reply> {
  const { child } = replica;
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the replica exited (${String(code)}) before answering ${command.op}`));
    child.once('exit', exited);
    child.once('message', (reply: Reply) => {
      child.off('exit', exited);
      resolve(reply);
    });
    child.send(command);
  });
}

/**
 * Verifies every body once on the replica, a few at a time: its key cache then holds them all, as it
 * would after minutes of traffic. (Cold, a verify on PostgreSQL is a lookup: some 1 ms of the replica's
 * CPU, ten times a cached one, so a short warm-up under load leaves the first measured round half cold.)
 */
export async function warmKeyCache(replica: Replica, bodies: readonly string[]): Promise<void> {
  let next = 0;
  // Below the verify-miss reservation (60 lookups in flight per client address, src/http/verify.ts).
  const worker = async (): Promise<void> => {
    for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
      const response = await fetch(`http://127.0.0.1:${replica.port}/v1/keys/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { valid: boolean; code?: string };
      if (!answer.valid) throw new Error(`a seeded key was not valid: ${JSON.stringify(answer)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The replica's CPU time so far, in µs. */
export async function replicaCpu(replica: Replica): Promise<number> {
  const reply = await ask(replica, { op: 'cpu' });
  if (!('cpuMicros' in reply)) throw new Error('the replica did not say its CPU time');
  return reply.cpuMicros;
}

/** Starts `count` replicas one after another; `execArgv` are their node flags (startFlags() for npm start's). */
export async function startReplicas(database: DatabaseConfig, count: number, execArgv: string[] = []): Promise<Replica[]> {
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const child = fork(fileURLToPath(import.meta.url), [REPLICA_FLAG, JSON.stringify(database)], { execArgv });
      const reply = await new Promise<Reply>((resolve, reject) => {
        child.once('message', resolve);
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`replica ${i} exited with ${String(code)}`)));
      });
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      if (!('port' in reply)) throw new Error('the replica did not say its port');
      replicas.push({ child, port: reply.port });
    }
    return replicas;
  } catch (error) {
    await stopReplicas(replicas);
    throw error;
  }
}

export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  for (const { child } of replicas) child.kill();
  await Promise.all(
    replicas.map(({ child }) =>
      child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
    ),
  );
}

/** Every replica must have answered "valid" for this long before the change (its cache is warm and trusted). */
const WARM_MS = 300;
/** A round in which a replica still accepts the key after this long is recorded as this (and fails the target). */
const GIVE_UP_MS = 5000;

async function verdict(port: number, secret: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/keys/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: secret }),
  });
  const body = (await response.json()) as { valid: boolean; code?: string };
  return body.valid ? 'valid' : (body.code ?? `status ${response.status}`);
}

/** Verifies on one replica, one request after another, until it answers INACTIVE; returns when (performance.now()). */
async function untilInactive(port: number, secret: string, state: { changedAt?: number; validSince?: number }): Promise<number> {
  const started = performance.now();
  for (;;) {
    const answer = await verdict(port, secret);
    const now = performance.now();
    if (answer === 'INACTIVE') return now;
    if (answer !== 'valid') throw new Error(`unexpected verify answer ${answer}`);
    state.validSince ??= now;
    if (now - started > GIVE_UP_MS * 4 || (state.changedAt !== undefined && now - state.changedAt > GIVE_UP_MS)) return now;
  }
}

/**
 * Revocation, `rounds` times: a fresh key (made by the first replica) is verified on every replica
 * continuously; once all have trusted it for WARM_MS the first replica makes it inactive, and the time
 * from that replica's acknowledgement until each replica first answers INACTIVE is recorded (ms, by replica).
 */
export async function measureRevocation(replicas: readonly Replica[], rounds: number): Promise<number[][]> {
  const writer = replicas[0];
  if (writer === undefined) throw new Error('no replicas');
  const perReplica: number[][] = replicas.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const created = await ask(writer, { op: 'create', name: `round-${round}` });
    if (!('secret' in created)) throw new Error('no key was created');
    const states = replicas.map(() => ({}) as { changedAt?: number; validSince?: number });
    const watchers = replicas.map(({ port }, i) => untilInactive(port, created.secret, states[i] ?? {}));
    // Warm: every replica has answered "valid" for a while (its listener is up and its cache holds the key).
    while (states.some((s) => s.validSince === undefined || performance.now() - s.validSince < WARM_MS))
      await new Promise((resolve) => setTimeout(resolve, 10));
    await ask(writer, { op: 'deactivate', keyId: created.keyId });
    const changedAt = performance.now();
    for (const state of states) state.changedAt = changedAt;
    const refusedAt = await Promise.all(watchers);
    refusedAt.forEach((at, i) => {
      perReplica[i]?.push(Math.max(0, at - changedAt));
    });
    await ask(writer, { op: 'delete', keyId: created.keyId });
  }
  return perReplica;
}

/** One line per replica (max and p50), then returns the max and p50 over all. */
export function reportRevocation(perReplica: number[][]): { max: number; p50: number } {
  perReplica.forEach((times, i) => {
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `replica ${i}${i === 0 ? ' (made the change)' : ''}: max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms   p50 ${percentile(sorted, 50).toFixed(1)} ms`,
    );
  });
  const all = perReplica.flat().sort((a, b) => a - b);
  return { max: all.at(-1) ?? Number.NaN, p50: percentile(all, 50) };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === REPLICA_FLAG) {
  runReplica(JSON.parse(process.argv[3] ?? '') as DatabaseConfig).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
