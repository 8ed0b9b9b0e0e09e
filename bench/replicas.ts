/**
 * `npm run bench:replicas` — does verify throughput grow with replicas, and does revocation still reach
 * every replica in time? 100,000 keys in a throw-away PostgreSQL database; three replicas (child
 * processes with npm start's node flags, each its own pool of 10, key cache and LISTEN connection,
 * bench/replica.ts). For N = 1, 2, 3, POST /v1/keys/verify of valid keys is sent to the first N
 * replicas at once, the N loads taking turns round by round (after a warm-up of all three), and the
 * total req/s is compared with N = 1. Then, with the three up, revocation as bench:revocation measures
 * it (10 rounds; target ≤ 100 ms on every replica).
 *
 * Load: one autocannon per replica, each in its own process (so the load generator is not one thread
 * whatever N is), with 50 connections per replica — not 50 split N ways. 50 is what bench:verify gives
 * its one server, so each replica sees the same load at every N and only the number of replicas changes;
 * 50/N would offer each replica less work as N grows and measure that, not scaling. And it stays below
 * the verify-miss reservation (60 cache-miss lookups in flight per client address, per replica:
 * src/http/verify.ts): all load comes from 127.0.0.1, and a cold replica with more connections than
 * that would answer 429 while its cache fills.
 *
 * The machine's cores are printed because the load generators, the replicas and PostgreSQL share them:
 * on 2 cores, N replicas cannot use more than what the load generators and PostgreSQL leave, and the
 * ratio says so; the replicas' CPU per request (summed) shows whether a replica got costlier as N grew.
 *
 * BENCH_POSTGRES_URL picks the server (default postgres://postgres@127.0.0.1:5432/postgres).
 * BENCH_KEYS, BENCH_ROUNDS, BENCH_ROUND_SECONDS, BENCH_WARMUP_SECONDS, BENCH_REVOCATION_ROUNDS shorten a smoke run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request as AutocannonRequest } from 'autocannon';
import { startFlags } from './node-flags.js';
import {
  envNumber,
  measureRevocation,
  median,
  replicaCpu,
  reportRevocation,
  seedKeys,
  spreadOver,
  startReplicas,
  stopReplicas,
  warmKeyCache,
  withThrowAwayPostgres,
  type Replica,
} from './replica.js';

const KEYS = envNumber('BENCH_KEYS', 100_000);
const SAMPLED = Math.min(KEYS, 20_000);
/** Distinct bodies every connection cycles through, so lookups hit keys all over the index. */
const DISTINCT_REQUESTS = Math.min(2000, SAMPLED);
const MAX_REPLICAS = 3;
const CONNECTIONS_PER_REPLICA = 50;
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const ROUNDS = envNumber('BENCH_ROUNDS', 3);
const ROUND_SECONDS = envNumber('BENCH_ROUND_SECONDS', 3);
const REVOCATION_ROUNDS = envNumber('BENCH_REVOCATION_ROUNDS', 10);
const REVOCATION_TARGET_MS = 100;
const LOAD_FLAG = '--load';

type LoadCommand = { op: 'setup'; bodies: string[] } | { op: 'run'; url: string; connections: number; seconds: number };
interface LoadResult {
  requests: number;
  /** How long the run took (autocannon waits for the last answers after its duration), µs. */
  wallMicros: number;
  p50: number;
  p99: number;
  max: number;
  /** Other than timeouts (autocannon counts those among its errors too). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** The load process's CPU time during the run, µs. */
  cpuMicros: number;
}
type LoadReply = { ready: true } | LoadResult;

/** Child: a load generator, told its requests once and then each run. */
function runLoad(): void {
  let requests: AutocannonRequest[] = [];
  process.on('message', (command: LoadCommand) => {
    if (command.op === 'setup') {
      requests = command.bodies.map((body) => ({
        method: 'POST',
        path: '/v1/keys/verify',
        headers: { 'content-type': 'application/json' },
        body,
      }));
      process.send?.({ ready: true });
      return;
    }
    const before = process.cpuUsage();
    const wallBefore = performance.now();
    const options = {
      url: command.url,
      connections: command.connections,
      duration: command.seconds,
      ...spreadOver(requests, command.connections),
    };
    autocannon(options).then((result) => {
      const cpu = process.cpuUsage(before);
      const reply: LoadResult = {
        requests: result.requests.total,
        wallMicros: (performance.now() - wallBefore) * 1000,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        errors: result.errors - result.timeouts,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        cpuMicros: cpu.user + cpu.system,
      };
      process.send?.(reply);
    });
  });
}

function tell(child: ChildProcess, command: LoadCommand): Promise<LoadReply> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: LoadReply) => resolve(reply));
    child.send(command, (error) => {
      if (error !== null) reject(error);
    });
  });
}

interface Round {
  loads: LoadResult[];
  /** The replicas' CPU time during the round, summed, µs. */
  serverMicros: number;
}

/** The first N replicas under load at once, each from its own load generator. */
async function round(replicas: readonly Replica[], loaders: readonly ChildProcess[], n: number, seconds: number): Promise<Round> {
  const used = replicas.slice(0, n);
  const before = await Promise.all(used.map(replicaCpu));
  const loads = await Promise.all(
    used.map(async (replica, i) => {
      const loader = loaders[i];
      if (loader === undefined) throw new Error(`no load generator for replica ${i}`);
      const reply = await tell(loader, {
        op: 'run',
        url: `http://127.0.0.1:${replica.port}`,
        connections: CONNECTIONS_PER_REPLICA,
        seconds,
      });
      if (!('requests' in reply)) throw new Error('the load generator did not report');
      return reply;
    }),
  );
  const after = await Promise.all(used.map(replicaCpu));
  return { loads, serverMicros: after.reduce((n, a, i) => n + a - (before[i] ?? 0), 0) };
}

interface Measured {
  n: number;
  requestsPerSecond: number;
  /** Medians over the rounds of the slowest replica's. */
  p50: number;
  p99: number;
  failures: number;
  timeouts: number;
  serverMicrosPerRequest: number;
  serverCores: number;
  loadCores: number;
}

function summarise(n: number, rounds: Round[]): Measured {
  const loads = rounds.flatMap((r) => r.loads);
  const requests = loads.reduce((sum, l) => sum + l.requests, 0);
  // The loads of a round run side by side: the round lasted as long as its longest.
  const wall = rounds.reduce((sum, r) => sum + Math.max(...r.loads.map((l) => l.wallMicros)), 0);
  const serverMicros = rounds.reduce((sum, r) => sum + r.serverMicros, 0);
  return {
    n,
    requestsPerSecond: requests / (wall / 1e6),
    p50: median(rounds.map((r) => Math.max(...r.loads.map((l) => l.p50)))),
    p99: median(rounds.map((r) => Math.max(...r.loads.map((l) => l.p99)))),
    failures: loads.reduce((sum, l) => sum + l.errors + l.timeouts + l.non2xx, 0),
    timeouts: loads.reduce((sum, l) => sum + l.timeouts, 0),
    serverMicrosPerRequest: serverMicros / Math.max(1, requests),
    serverCores: serverMicros / wall,
    loadCores: loads.reduce((sum, l) => sum + l.cpuMicros, 0) / wall,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  await withThrowAwayPostgres('akb_replicas', async (database) => {
    const secrets = await seedKeys(database, KEYS, SAMPLED);
    const seededIn = (Date.now() - started) / 1000;
    let replicas: Replica[] = [];
    const loaders: ChildProcess[] = [];
    try {
      replicas = await startReplicas(database, MAX_REPLICAS, startFlags());
      const bodies = secrets.slice(0, DISTINCT_REQUESTS).map((key) => JSON.stringify({ key }));
      for (let i = 0; i < MAX_REPLICAS; i++) {
        const loader = fork(fileURLToPath(import.meta.url), [LOAD_FLAG]);
        loaders.push(loader);
        await tell(loader, { op: 'setup', bodies });
      }
      // Every body once on every replica (each must be valid): the warm-up under load starts from full key caches.
      await Promise.all(replicas.map((replica) => warmKeyCache(replica, bodies)));

      // One warm-up of all three warms every replica's JIT and key cache alike.
      await round(replicas, loaders, MAX_REPLICAS, WARMUP_SECONDS);
      const counts = Array.from({ length: MAX_REPLICAS }, (_, i) => i + 1);
      const rounds: Round[][] = counts.map(() => []);
      for (let i = 0; i < ROUNDS; i++) for (const n of counts) rounds[n - 1]?.push(await round(replicas, loaders, n, ROUND_SECONDS));
      const measured = counts.map((n) => summarise(n, rounds[n - 1] ?? []));
      const base = measured[0]?.requestsPerSecond ?? Number.NaN;

      const cpu = cpus();
      console.log(
        `replicas benchmark: ${KEYS.toLocaleString('en')} keys (PostgreSQL, pool 10 per replica), verify of valid keys, ${CONNECTIONS_PER_REPLICA} connections per replica from its own autocannon process, N = 1..${MAX_REPLICAS} taking turns, ${ROUNDS} rounds of ${ROUND_SECONDS} s after ${WARMUP_SECONDS} s warm-up; p50/p99: median over rounds of the slowest replica's; seeded in ${seededIn.toFixed(1)} s`,
      );
      console.log(
        `machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), shared by the replicas, the load generators and PostgreSQL`,
      );
      for (const m of measured)
        console.log(
          `N=${m.n}   ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s   ×${(m.requestsPerSecond / base).toFixed(2)} vs N=1   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99.toFixed(2).padStart(6)} ms   replicas ${m.serverMicrosPerRequest.toFixed(0).padStart(3)} µs/req (${m.serverCores.toFixed(2)} core)   load generators ${m.loadCores.toFixed(2)} core   errors ${m.failures}`,
        );

      const perReplica = await measureRevocation(replicas, REVOCATION_ROUNDS);
      console.log(
        `revocation with ${MAX_REPLICAS} replicas and ${KEYS.toLocaleString('en')} keys, ${REVOCATION_ROUNDS} rounds: time from the deactivating replica's acknowledgement to each replica's first INACTIVE`,
      );
      const revocation = reportRevocation(perReplica);
      console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const failures = measured.reduce((sum, m) => sum + m.failures, 0);
      const timeouts = measured.reduce((sum, m) => sum + m.timeouts, 0);
      // One line to compare runs by (docs/performance.md).
      console.log(
        `replicas: ${measured.map((m) => `N=${m.n} ${m.requestsPerSecond.toFixed(0)} req/s ×${(m.requestsPerSecond / base).toFixed(2)}`).join(', ')} (cpu ${measured.map((m) => m.serverMicrosPerRequest.toFixed(0)).join('/')} µs/req, ${cpu.length} cores) revocation max=${revocation.max.toFixed(1)} ms p50=${revocation.p50.toFixed(1)} ms (target ≤ ${REVOCATION_TARGET_MS}) errors=${failures} (timeouts ${timeouts})`,
      );
      if (failures > 0 || !(revocation.max <= REVOCATION_TARGET_MS)) process.exitCode = 1;
    } finally {
      for (const loader of loaders) loader.kill();
      await Promise.all(
        loaders.map((loader) =>
          loader.exitCode === null && loader.signalCode === null ? new Promise((resolve) => loader.once('exit', resolve)) : undefined,
        ),
      );
      await stopReplicas(replicas);
    }
  });
}

if (process.argv[2] === LOAD_FLAG) runLoad();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
