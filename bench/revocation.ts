/**
 * `npm run bench:revocation` — how long a revoked key lives on with the verify path's key cache.
 * Three replicas (child processes, each with its own pool, key cache and LISTEN connection) share a
 * throw-away PostgreSQL database. Each round, a fresh key is verified on all three continuously; then one
 * replica makes it inactive, and the time from that replica's acknowledgement until each replica first
 * answers INACTIVE is recorded. Target: every replica within 100 ms.
 *
 * BENCH_POSTGRES_URL picks the server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.js';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { SecretHasher } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { createIntegrationApi } from '../src/http/api.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

const REPLICAS = 3;
const ROUNDS = 20;
const OWNER = 'UBENCH';
/** Every replica must have answered "valid" for this long before the change (its cache is warm and trusted). */
const WARM_MS = 300;
/** A round in which a replica still accepts the key after this long is recorded as this (and fails the target). */
const GIVE_UP_MS = 5000;
const TARGET_MS = 100;
const SERVER_FLAG = '--replica';

type Command = { op: 'create'; name: string } | { op: 'deactivate'; keyId: string } | { op: 'delete'; keyId: string };
type Reply = { port: number } | { keyId: string; secret: string } | { done: true };

/** Child: one replica, wired like runtime.ts wires the integration API; it also obeys the parent's key commands. */
async function runReplica(database: DatabaseConfig): Promise<void> {
  const store = createStore(connect(database, { poolSize: 10 }));
  const services = createServices({
    store,
    now: () => new Date(),
    hasher: new SecretHasher(undefined),
    defaultRoleName: 'Account Group Read Only',
  });
  const logger = createLogger({ level: 'error' });
  const api = createIntegrationApi({ services, now: () => new Date(), logger, tokenSigningSecret: undefined });
  const server = createHttpServer({ routes: api.routes, logger, observer: api.observer });
  const port = await listen(server, 0, '127.0.0.1');
  process.on('message', (command: Command) => {
    const run = async (): Promise<Reply> => {
      if (command.op === 'create') {
        const created = await services.keys.create(OWNER, { name: command.name, expiry: { kind: 'never' } });
        if (!created.created) throw new Error('no key was created');
        return { keyId: created.key.id, secret: created.secret };
      }
      if (command.op === 'deactivate') await services.keys.deactivate(OWNER, command.keyId);
      else await services.keys.delete(OWNER, { reference: command.keyId });
      return { done: true };
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
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

function ask(child: ChildProcess, command: Command): Promise<Reply> {
  return new Promise((resolve) => {
    child.once('message', (reply: Reply) => resolve(reply));
    child.send(command);
  });
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `akb_revocation_${Date.now()}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database: DatabaseConfig = { kind: 'postgres', url: url.toString() };
  await adminQuery(adminUrl, `create database ${name}`);
  const children: ChildProcess[] = [];
  try {
    const setup = connect(database);
    await migrateToLatest(setup.db);
    const services = createServices({
      store: createStore(setup),
      now: () => new Date(),
      hasher: new SecretHasher(undefined),
      defaultRoleName: 'Account Group Read Only',
    });
    await services.users.ensureBaselineRoles();
    await services.users.bootstrapAdmins([OWNER]);
    await setup.db.destroy();

    const ports: number[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG, JSON.stringify(database)]);
      children.push(child);
      const reply = await new Promise<Reply>((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`replica ${i} exited with ${String(code)}`)));
      });
      if (!('port' in reply)) throw new Error('the replica did not say its port');
      ports.push(reply.port);
    }
    const writer = children[0];
    if (writer === undefined) throw new Error('no replicas');

    const perReplica: number[][] = ports.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const created = await ask(writer, { op: 'create', name: `round-${round}` });
      if (!('secret' in created)) throw new Error('no key was created');
      const states = ports.map(() => ({}) as { changedAt?: number; validSince?: number });
      const watchers = ports.map((port, i) => untilInactive(port, created.secret, states[i] ?? {}));
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

    const all = perReplica.flat().sort((a, b) => a - b);
    console.log(
      `revocation benchmark: ${REPLICAS} replicas (separate processes, PostgreSQL pool 10 each, LISTEN/NOTIFY), ${ROUNDS} rounds, verify in a loop on every replica; time from the deactivating replica's acknowledgement to each replica's first INACTIVE`,
    );
    perReplica.forEach((times, i) => {
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `replica ${i}${i === 0 ? ' (made the change)' : ''}: max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms   p50 ${percentile(sorted, 50).toFixed(1)} ms`,
      );
    });
    const max = all.at(-1) ?? Number.NaN;
    console.log(`revocation: max=${max.toFixed(1)} ms p50=${percentile(all, 50).toFixed(1)} ms (target ≤ ${TARGET_MS} ms)`);
    if (!(max <= TARGET_MS)) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill();
    await Promise.all(
      children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)),
    );
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  }
}

const replicaOf = process.argv[2] === SERVER_FLAG ? process.argv[3] : undefined;
(replicaOf === undefined ? main() : runReplica(JSON.parse(replicaOf) as DatabaseConfig)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
