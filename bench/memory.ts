/**
 * `npm run bench:memory` — the idle app's resident memory over a SQLite database holding 1,000,000 keys
 * (SPEC §11: ≤ 150 MB, no table scan at start-up). The parent seeds the database (src/db/bulk-keys.ts),
 * then starts the app in a child process as `npm start` does (its node flags) in HTTP mode, background jobs on
 * (the start-up expiry check, stale keys, reminders, pruning, the undelivered sweep, the audit mirror and
 * tail), against a local stand-in for Slack's Web API that answers every call with `ok`. Once the
 * child's RSS has stopped moving it prints one line: the RSS and the key count.
 *
 * BENCH_MEMORY_DATABASE=<file>: seed that file once and reuse it on later runs (it is kept).
 * BENCH_MEMORY_MODE=sandbox: the sandbox instead (no Slack settings; its stand-in runs in the app).
 * BENCH_HEAP_SNAPSHOT=<dir>: the child writes a heap snapshot there once settled.
 * BENCH_MEMORY_DETAIL=1: where the RSS is (V8's spaces, resident memory by mapping, RSS each second).
 * BENCH_MEMORY_IDLE_S=<s>: the idle window (default 40 s). NODE_OPTIONS is passed on, for trying flags.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { sql } from 'kysely';
import { insertKeysDirectly, type BulkKey } from '../src/db/bulk-keys.js';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { SecretHasher } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startApp } from '../src/runtime.js';
import type { DatabaseConfig } from '../src/config.js';
import { startFlags } from './node-flags.js';

const KEYS = 1_000_000;
/** Keys per seeding transaction (the seeder holds one batch in memory). */
const BATCH = 50_000;
const OWNERS = 10_000;
const OWNER = 'UBENCHADMIN';
const APP_FLAG = '--app';
const SAMPLE_MS = 1000;
/**
 * Sampled once a second. The first SETTLE_MS after "started" are the start-up jobs' (the expiry check,
 * stale keys, the sweep: a few seconds even over 1,000,000 keys); the IDLE_MS after them are the idle
 * app, whose RSS saws up and down with V8's collections: the figure is the highest sample of that window.
 */
const SETTLE_MS = 20_000;
const IDLE_MS = Number(process.env.BENCH_MEMORY_IDLE_S ?? 40) * 1000;

interface Usage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** V8's spaces by name: bytes reserved (space_size). */
  spaces: Record<string, number>;
  /** Resident bytes by mapping (Linux /proc/self/smaps): the node binary, malloc's heap, other anonymous memory. */
  mappings: Record<string, number>;
}

/** Resident bytes per mapping name, the biggest first; {} where /proc is not there. */
function residentByMapping(): Record<string, number> {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return {};
  }
  const totals = new Map<string, number>();
  let name = 'anonymous';
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      name = header[1] === undefined || header[1] === '' ? 'anonymous' : (header[1].split('/').pop() ?? header[1]);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss?.[1] !== undefined) totals.set(name, (totals.get(name) ?? 0) + Number(rss[1]) * 1024);
  }
  return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]));
}

type ChildMessage = { started: true } | { usage: Usage } | { snapshot: string };

/** Child: the app as main.ts starts it; answers 'usage' with process.memoryUsage() and 'snapshot' with a heap snapshot. */
async function runApp(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'warn' });
  // Loaded only when asked for, as main.ts does: a production process never holds the sandbox.
  const app = config.sandbox
    ? await (await import('../src/sandbox-runtime.js')).startSandboxApp(config, { logger })
    : await startApp(config, { logger });
  process.on('message', (message: string) => {
    if (message === 'usage') {
      const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]));
      process.send?.({ usage: { ...process.memoryUsage(), spaces, mappings: residentByMapping() } } satisfies ChildMessage);
    } else if (message === 'snapshot') {
      const dir = process.env.BENCH_HEAP_SNAPSHOT ?? tmpdir();
      process.send?.({ snapshot: writeHeapSnapshot(join(dir, `memory-${Date.now()}.heapsnapshot`)) } satisfies ChildMessage);
    }
  });
  process.on('SIGTERM', () => {
    app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.send?.({ started: true } satisfies ChildMessage);
}

async function countKeys(database: DatabaseConfig): Promise<number> {
  const connection = connect(database);
  try {
    await migrateToLatest(connection.db);
    const row = await sql<{ n: number }>`select count(*) as n from access_keys`.execute(connection.db);
    return Number(row.rows[0]?.n ?? 0);
  } finally {
    await connection.db.destroy();
  }
}

/** Seeds KEYS keys for OWNERS users: delivered, in use, most without an expiry, the rest a year or more away. */
async function seed(database: DatabaseConfig): Promise<void> {
  const connection = connect(database);
  const services = createServices({
    store: createStore(connection),
    now: () => new Date(),
    hasher: new SecretHasher(undefined),
    defaultRoleName: 'Account Group Read Only',
  });
  await migrateToLatest(connection.db);
  await services.users.ensureBaselineRoles();
  await services.users.bootstrapAdmins([OWNER]);
  const roleId = (await services.users.context(OWNER)).activeRole?.id;
  if (roleId === undefined) throw new Error('the bench user has no active role');
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  for (let start = 0; start < KEYS; start += BATCH) {
    const keys: BulkKey[] = [];
    for (let i = start; i < Math.min(KEYS, start + BATCH); i++) {
      keys.push({
        id: `k${i.toString(36).padStart(8, '0')}`,
        ownerId: `UOWNER${i % OWNERS}`,
        expiresAt: i % 4 === 0 ? new Date(now + (366 + (i % 365)) * 86_400_000).toISOString() : null,
        createdAt,
        lastUsedAt: createdAt,
        lastUsedIp: '127.0.0.1',
        deliveredAt: createdAt,
      });
    }
    await insertKeysDirectly(connection, roleId, keys);
  }
  await connection.db.destroy();
}

/** Answers every Web API call with ok, as Slack does for auth.test and posts. */
async function slackStandIn(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: true,
          user_id: 'UBOT',
          bot_id: 'BBOT',
          team_id: 'TBENCH',
          url: 'https://bench.slack.com/',
          ts: '1.000001',
          channel: 'CBENCH',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const sizes = (entries: Record<string, number>, least: number) =>
  Object.entries(entries)
    .filter(([, size]) => size >= least)
    .map(([name, size]) => `${name} ${mb(size)}`)
    .join(', ');

/** Where the RSS is: V8's heap and its spaces, memory outside it, resident pages by mapping, and the RSS over time. */
function detail(last: Usage, samples: Usage[]): string {
  return [
    `  heapUsed ${mb(last.heapUsed)} MB, heapTotal ${mb(last.heapTotal)} MB, external ${mb(last.external)} MB, arrayBuffers ${mb(last.arrayBuffers)} MB`,
    `  V8 spaces: ${sizes(last.spaces, 1)} MB`,
    `  resident by mapping: ${sizes(last.mappings, 1024 * 1024)} MB`,
    `  RSS each second after start: ${samples.map((s) => mb(s.rss)).join(' ')}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const kept = process.env.BENCH_MEMORY_DATABASE;
  const dir = mkdtempSync(join(tmpdir(), 'akb-memory-'));
  const path = kept ?? join(dir, 'keys.sqlite');
  const database: DatabaseConfig = { kind: 'sqlite', path };
  try {
    if (!existsSync(path) || (await countKeys(database)) < KEYS) {
      const started = Date.now();
      await seed(database);
      process.stderr.write(`seeded ${KEYS} keys in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    const keys = await countKeys(database);
    const sandbox = process.env.BENCH_MEMORY_MODE === 'sandbox';
    const slack = sandbox ? undefined : await slackStandIn();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...(process.env.NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.NODE_OPTIONS }),
      NODE_ENV: 'production',
      DATABASE_URL: `file:${path}`,
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      AUDIT_WITNESS_FILE: join(dir, 'witness.json'),
      ...(process.env.BENCH_HEAP_SNAPSHOT === undefined ? {} : { BENCH_HEAP_SNAPSHOT: process.env.BENCH_HEAP_SNAPSHOT }),
      ...(slack === undefined
        ? {}
        : {
            SLACK_BOT_TOKEN: 'xoxb-bench',
            SLACK_SIGNING_SECRET: 'bench-signing-secret',
            SLACK_API_URL: `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`,
            AUDIT_CHANNEL_ID: 'CBENCH',
            BOOTSTRAP_ADMINS: OWNER,
          }),
    };
    // The child's cwd is the temporary directory, so no .env of the checkout is read.
    const child = fork(fileURLToPath(import.meta.url), [APP_FLAG], {
      env,
      cwd: dir,
      execArgv: startFlags(),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ask = <T extends ChildMessage>(what: string, pick: (m: ChildMessage) => T | undefined): Promise<T> =>
      new Promise((resolve, reject) => {
        const onMessage = (message: ChildMessage) => {
          const picked = pick(message);
          if (picked === undefined) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(picked);
        };
        const onExit = (code: number | null) => reject(new Error(`the app exited (${code}) before answering ${what}`));
        child.on('message', onMessage);
        child.once('exit', onExit);
        if (what !== 'started') child.send(what);
      });
    try {
      await ask('started', (m) => ('started' in m ? m : undefined));
      const startedAt = Date.now();
      const samples: Usage[] = [];
      const idle: Usage[] = [];
      while (Date.now() - startedAt < SETTLE_MS + IDLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
        const usage = (await ask('usage', (m) => ('usage' in m ? m : undefined))).usage;
        samples.push(usage);
        if (Date.now() - startedAt > SETTLE_MS) idle.push(usage);
      }
      const top = idle.reduce<Usage | undefined>((best, s) => (best === undefined || s.rss > best.rss ? s : best), undefined);
      if (top === undefined) throw new Error('no sample');
      const low = Math.min(...idle.map((s) => s.rss));
      const peak = Math.max(...samples.map((s) => s.rss));
      process.stdout.write(
        `memory: idle RSS ${mb(top.rss)} MB with ${keys.toLocaleString('en')} keys (target ≤ 150 MB; highest of ${IDLE_MS / 1000} s idle, lowest ${mb(low)} MB; start-up peak ${mb(peak)} MB; ${sandbox ? 'sandbox' : 'HTTP'} mode)\n`,
      );
      if (process.env.BENCH_MEMORY_DETAIL !== undefined) process.stdout.write(detail(top, samples));
      if (process.env.BENCH_HEAP_SNAPSHOT !== undefined)
        process.stdout.write(`  heap snapshot: ${(await ask('snapshot', (m) => ('snapshot' in m ? m : undefined))).snapshot}\n`);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      slack?.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(APP_FLAG)) {
  runApp().catch((error: unknown) => {
    console.error(`the app did not start: ${String(error)}`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
