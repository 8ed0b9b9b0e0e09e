/**
 * `npm run bench:connections` — POST /v1/keys/verify of valid keys over 1 keep-alive connection, then
 * over 1,000 at once, against one server (a child process, npm start's node flags) over 100,000 keys in a
 * SQLite file in WAL mode. The two take turns (three rounds of 3 s each, after a warm-up of each), and
 * each round opens its connections anew, all at once. Reported: req/s of each and their ratio (aim ≥ 1:
 * many connections must not cost throughput), p50/p99 at 1,000 (aim p99/p50 ≤ 3; each connection's first
 * request is left out, as it also waits to connect, and is reported apart), the server's and the load
 * generator's CPU per request and how much of a core each used, errors and timeouts, what each of the
 * 1,000 connections got (answers per round; answers per second once all had their first: none starved),
 * and the kernel's accept-queue overflows meanwhile.
 *
 * What bounds throughput at 1,000 connections: CPU, on a machine the server shares with its load
 * generator. On a quiet 2-core VM (docs/performance.md) the server spent 56 µs per verify at 1,000
 * connections against 84 µs over one (a busy server reads many requests per wake-up), autocannon about
 * 40–50 µs; together they fill the two cores, the server using about one. So the ceiling is the server's
 * core, not its connection handling.
 *
 * src/http/server.ts for 1,000 loopback connections: no `maxConnections`, no per-client connection cap,
 * no `maxRequestsPerSocket`, so none is refused; `headersTimeout`/`requestTimeout` (8 s, checked every
 * 0.5 s) and `keepAliveTimeout` (5 s) touch only slow or idle connections. Until `listen()` passed a
 * backlog (LISTEN_BACKLOG), Node's default of 511 overflowed when 1,000 clients connected at once while the
 * server was busy: each dropped handshake was retried after 1 s, then 2 s more (302 to 624 overflows a
 * run). Since, none. Connections made all at once are still first answered over the round's first
 * seconds (1,000 clients made and connected in one burst), so a connection can have no answer in a short
 * round; once all are up, none is starved (per-connection answers per second are printed). Verify's
 * miss reservation used to answer 429 to cached valid keys while 60 cold lookups from the same address
 * were in flight on PostgreSQL (200 concurrent cold verifies: 59 × 429); only certain misses lock a
 * client out now (src/http/throttle.ts).
 *
 * Descriptors: each process holds its 1,000 sockets (this one the clients', the child the server's), so
 * each needs ~1,000 + a margin. Node raises its soft limit to the hard one at start-up, so `ulimit -Hn`
 * is what counts; too low, the bench stops before seeding and says so.
 *
 * BENCH_KEYS, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_ROUND_SECONDS, BENCH_WARMUP_SECONDS shorten a smoke run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Request as AutocannonRequest, type Result } from 'autocannon';
import type { DatabaseConfig } from '../src/config.js';
import { startFlags } from './node-flags.js';
import { LISTEN_BACKLOG } from '../src/http/server.js';
import {
  envNumber,
  median,
  percentile,
  replicaCpu,
  seedKeys,
  spreadOver,
  startReplicas,
  stopReplicas,
  warmKeyCache,
  type Replica,
} from './replica.js';

const KEYS = envNumber('BENCH_KEYS', 100_000);
/** Secrets kept from seeding, spread evenly over the whole table. */
const SAMPLED = Math.min(KEYS, 20_000);
/** Distinct bodies every connection cycles through, so lookups hit keys all over the index. */
const DISTINCT_REQUESTS = Math.min(2000, SAMPLED);
const MANY = envNumber('BENCH_CONNECTIONS', 1000);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const ROUNDS = envNumber('BENCH_ROUNDS', 3);
const ROUND_SECONDS = envNumber('BENCH_ROUND_SECONDS', 3);
/** Descriptors a node process holds besides the sockets: stdio, IPC, the SQLite file, its WAL and shm, libuv's. */
const FD_MARGIN = 256;
const THROUGHPUT_AIM = 1;
const TAIL_AIM = 3;

/** This process's open-file limit (Linux: /proc/self/limits; elsewhere the shell's `ulimit -n`, inherited). */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft !== undefined) return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    // Not Linux: ask a shell, which inherits this process's limit.
  }
  try {
    const soft = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return undefined;
  }
}

interface TcpCounters {
  /** Handshakes dropped for a full accept queue. */
  listenOverflows: number;
  /** SYNs a client sent again, unanswered (1 s the first time): what such a drop costs the connection. */
  synRetransmits: number;
}

/** The kernel's TCP counters (Linux: /proc/net/netstat's TcpExt, for the whole network namespace, so other load on the machine counts too). */
function tcpCounters(): TcpCounters | undefined {
  try {
    const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'))
      .map((l) => l.split(' '));
    const read = (name: string): number => Number(values?.[names?.indexOf(name) ?? -1] ?? Number.NaN);
    const counters = { listenOverflows: read('ListenOverflows'), synRetransmits: read('TCPSynRetrans') };
    return Number.isNaN(counters.listenOverflows + counters.synRetransmits) ? undefined : counters;
  } catch {
    return undefined;
  }
}

function somaxconn(): string {
  try {
    return readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim();
  } catch {
    return 'n/a';
  }
}

function verifyRequest(body: string): AutocannonRequest {
  return { method: 'POST', path: '/v1/keys/verify', headers: { 'content-type': 'application/json' }, body };
}

interface Round {
  result: Result;
  /** Of the requests after each connection's first, ms. */
  latency: { p50: number; p99: number; max: number };
  /** How long the run took (autocannon waits for the last answers after its duration), µs. */
  wallMicros: number;
  /** The server's CPU time during the round, µs. */
  serverMicros: number;
  /** This process's (the load generator's) CPU time during the round, µs. */
  loadMicros: number;
  /** Responses each connection received. */
  perConnection: number[];
  /** Answers per second each connection got once every connection had its first; empty if that came too late to tell. */
  steadyRates: number[];
  /** When the last connection got its first answer, ms after the run began; undefined: some never did. */
  allUpMs: number | undefined;
  /** When each connection that got one got its first answer, ms after the run began. */
  firstAnswers: number[];
  /** How long the load generator took to make its clients, before any of them connected, ms. */
  clientsMadeMs: number;
  tcp: TcpCounters | undefined;
}

async function round(server: Replica, requests: AutocannonRequest[], connections: number, seconds: number): Promise<Round> {
  const serverBefore = await replicaCpu(server);
  const tcpBefore = tcpCounters();
  const loadBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const counts = new Map<unknown, number>();
  const firstAnswers: number[] = [];
  let allUp: { at: number; counts: Map<unknown, number> } | undefined;
  const run = autocannon({ url: `http://127.0.0.1:${server.port}`, connections, duration: seconds, ...spreadOver(requests, connections) });
  // autocannon makes its clients before it returns; they connect once this tick is over.
  const clientsMadeMs = performance.now() - wallBefore;
  // autocannon keeps one client object per connection (reconnects included), so this counts per connection.
  // A connection's first request also waits for it to be made and accepted (all at once, at the start of
  // the round): that is timed on its own, and the latencies are the requests after it (steady state).
  const latencies: number[] = [];
  run.on('response', (client, _status, _bytes, responseTime) => {
    const count = counts.get(client) ?? 0;
    if (count === 0) {
      firstAnswers.push(performance.now() - wallBefore);
      // Every connection is up: from here on, what each gets is fairness, not how soon it connected.
      if (firstAnswers.length === connections) allUp = { at: performance.now(), counts: new Map(counts) };
    } else latencies.push(responseTime);
    counts.set(client, count + 1);
  });
  const result = await run;
  const ended = performance.now();
  const load = process.cpuUsage(loadBefore);
  const wallMicros = (ended - wallBefore) * 1000;
  const tcpAfter = tcpCounters();
  const serverMicros = (await replicaCpu(server)) - serverBefore;
  const perConnection = [...counts.values(), ...new Array<number>(Math.max(0, connections - counts.size)).fill(0)];
  // Answers per second each connection got once all were up (none, if some never were: starved).
  const upSeconds = allUp === undefined ? 0 : (ended - allUp.at) / 1000;
  const steadyRates =
    allUp === undefined || upSeconds < 0.1
      ? []
      : [...counts].map(([client, count]) => (count - (allUp?.counts.get(client) ?? 0)) / upSeconds);
  latencies.sort((a, b) => a - b);
  return {
    result,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN },
    wallMicros,
    serverMicros,
    loadMicros: load.user + load.system,
    perConnection,
    steadyRates,
    allUpMs: allUp === undefined ? undefined : allUp.at - wallBefore,
    firstAnswers,
    clientsMadeMs,
    tcp:
      tcpBefore === undefined || tcpAfter === undefined
        ? undefined
        : {
            listenOverflows: tcpAfter.listenOverflows - tcpBefore.listenOverflows,
            synRetransmits: tcpAfter.synRetransmits - tcpBefore.synRetransmits,
          },
  };
}

interface Measured {
  connections: number;
  requestsPerSecond: number;
  /** Medians of the rounds', each connection's first request left out (see firstAnswer). */
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  serverMicrosPerRequest: number;
  loadMicrosPerRequest: number;
  /** Cores busy on average over the rounds. */
  serverCores: number;
  loadCores: number;
  /** Requests answered per connection per round, over all rounds. */
  perConnection: { min: number; median: number; max: number };
  /** Answers per second per connection once all were up, over the rounds where that could be told (starved: min 0). */
  steadyRate: { min: number; median: number; max: number; rounds: number };
  /** Rounds in which some connection never got an answer. */
  roundsNotAllUp: number;
  /** How long connections waited for their first answer (connecting included), ms, over all rounds. */
  firstAnswer: { median: number; p99: number; max: number };
  /** The longest the load generator took to make its clients in a round, ms. */
  clientsMadeMs: number;
  /** Summed over the rounds, warm-up included. */
  tcp: TcpCounters | undefined;
}

function summarise(connections: number, rounds: Round[], warmUp: Round): Measured {
  const results = rounds.map((r) => r.result);
  const requests = results.reduce((n, r) => n + r.requests.total, 0);
  const wall = rounds.reduce((n, r) => n + r.wallMicros, 0);
  const serverMicros = rounds.reduce((n, r) => n + r.serverMicros, 0);
  const loadMicros = rounds.reduce((n, r) => n + r.loadMicros, 0);
  const counts = rounds.flatMap((r) => r.perConnection);
  const firstAnswers = rounds.flatMap((r) => r.firstAnswers);
  const rates = rounds.flatMap((r) => r.steadyRates);
  const tcp = [warmUp, ...rounds].map((r) => r.tcp);
  return {
    connections,
    requestsPerSecond: requests / (wall / 1e6),
    p50: median(rounds.map((r) => r.latency.p50)),
    p99: median(rounds.map((r) => r.latency.p99)),
    max: Math.max(...rounds.map((r) => r.latency.max)),
    // autocannon counts a timeout among its errors too: errors here are the other ones.
    errors: results.reduce((n, r) => n + r.errors - r.timeouts, 0),
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    serverMicrosPerRequest: serverMicros / Math.max(1, requests),
    loadMicrosPerRequest: loadMicros / Math.max(1, requests),
    serverCores: serverMicros / wall,
    loadCores: loadMicros / wall,
    perConnection: { min: Math.min(...counts), median: median(counts), max: Math.max(...counts) },
    steadyRate: {
      min: rates.length === 0 ? Number.NaN : Math.min(...rates),
      median: rates.length === 0 ? Number.NaN : median(rates),
      max: rates.length === 0 ? Number.NaN : Math.max(...rates),
      rounds: rounds.filter((r) => r.steadyRates.length > 0).length,
    },
    roundsNotAllUp: rounds.filter((r) => r.allUpMs === undefined).length,
    firstAnswer: {
      median: median(firstAnswers),
      p99: percentile(
        [...firstAnswers].sort((a, b) => a - b),
        99,
      ),
      max: Math.max(...firstAnswers),
    },
    clientsMadeMs: Math.max(...rounds.map((r) => r.clientsMadeMs)),
    tcp: tcp.reduce<TcpCounters | undefined>(
      (sum, t) =>
        sum === undefined || t === undefined
          ? undefined
          : { listenOverflows: sum.listenOverflows + t.listenOverflows, synRetransmits: sum.synRetransmits + t.synRetransmits },
      { listenOverflows: 0, synRetransmits: 0 },
    ),
  };
}

function line(m: Measured): string {
  const failures = m.errors + m.timeouts + m.non2xx;
  return `${`${m.connections.toLocaleString('en')} connection${m.connections === 1 ? '' : 's'}`.padEnd(17)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99.toFixed(2).padStart(6)} ms   max ${m.max.toFixed(1).padStart(7)} ms   server ${m.serverMicrosPerRequest.toFixed(0).padStart(3)} µs/req (${m.serverCores.toFixed(2)} core)   load generator ${m.loadMicrosPerRequest.toFixed(0).padStart(3)} µs/req (${m.loadCores.toFixed(2)} core)   errors ${m.errors} timeouts ${m.timeouts} non-2xx ${m.non2xx}${failures === 0 ? '' : ' (FAILED)'}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const limit = openFileLimit();
  const needed = MANY + FD_MARGIN;
  if (limit !== undefined && limit < needed) {
    console.error(
      `bench:connections: the open-file limit is ${limit}, and ${MANY.toLocaleString('en')} connections need about ${needed.toLocaleString('en')} descriptors in each of the two processes (the load generator's client sockets here, the server's in its child). Raise it (e.g. \`ulimit -n 4096\`, or the hard limit: node raises its soft limit to it) and run again.`,
    );
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'akb-bench-'));
  const database: DatabaseConfig = { kind: 'sqlite', path: join(dir, 'bench.sqlite') };
  let servers: Replica[] = [];
  try {
    const secrets = await seedKeys(database, KEYS, SAMPLED);
    const seededIn = (Date.now() - started) / 1000;
    servers = await startReplicas(database, 1, startFlags());
    const server = servers[0];
    if (server === undefined) throw new Error('no server');
    const bodies = secrets.slice(0, DISTINCT_REQUESTS).map((key) => JSON.stringify({ key }));
    const requests = bodies.map(verifyRequest);
    // Every body once (each must be valid), so the warm-up under load starts from a full key cache.
    await warmKeyCache(server, bodies);

    const counts = [1, MANY];
    const warmUps: Round[] = [];
    for (const connections of counts) warmUps.push(await round(server, requests, connections, WARMUP_SECONDS));
    const rounds: Round[][] = counts.map(() => []);
    for (let i = 0; i < ROUNDS; i++)
      for (const [index, connections] of counts.entries()) rounds[index]?.push(await round(server, requests, connections, ROUND_SECONDS));
    const [one, many] = counts.map((connections, i) => {
      const warmUp = warmUps[i];
      if (warmUp === undefined) throw new Error('a load was not warmed up');
      return summarise(connections, rounds[i] ?? [], warmUp);
    });
    if (one === undefined || many === undefined) throw new Error('a load was not measured');

    const cpu = cpus();
    console.log(
      `connections benchmark: ${KEYS.toLocaleString('en')} keys (SQLite, WAL), one server process (npm start's flags), verify of valid keys over 1 vs ${MANY.toLocaleString('en')} keep-alive connections, ${ROUNDS} rounds of ${ROUND_SECONDS} s taking turns after ${WARMUP_SECONDS} s warm-up each; p50/p99 are medians of the rounds, of every request but each connection's first (its wait to connect is reported apart); ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}) shared by server and load generator; seeded in ${seededIn.toFixed(1)} s`,
    );
    console.log(line(one));
    console.log(line(many));
    const spread = many.perConnection;
    const steady = many.steadyRate;
    console.log(
      `per connection (${MANY.toLocaleString('en')}): answers in a ${ROUND_SECONDS} s round min ${spread.min} median ${spread.median} max ${spread.max}; first answer after ${many.firstAnswer.median.toFixed(0)} ms (median), ${many.firstAnswer.p99.toFixed(0)} ms (p99), ${many.firstAnswer.max.toFixed(0)} ms (last), from the round's start (the load generator took up to ${many.clientsMadeMs.toFixed(0)} ms to make its clients)`,
    );
    console.log(
      `once all ${MANY.toLocaleString('en')} were answered (${steady.rounds} of ${ROUNDS} rounds long enough to tell): answers/s per connection min ${steady.min.toFixed(1)} median ${steady.median.toFixed(1)} max ${steady.max.toFixed(1)}   ${many.roundsNotAllUp > 0 ? `STARVED: in ${many.roundsNotAllUp} round(s) some connection got no answer at all` : steady.rounds === 0 ? 'rounds too short to tell' : steady.min > 0 ? 'none starved' : 'STARVED: a connection got no answer once all were up'}`,
    );
    console.log(
      `kernel, during the ${MANY.toLocaleString('en')}-connection rounds (warm-up included; machine-wide): ${many.tcp === undefined ? 'n/a' : `${many.tcp.listenOverflows} accept-queue overflows, ${many.tcp.synRetransmits} SYN retransmits`} (listen() backlog ${LISTEN_BACKLOG}, capped by net.core.somaxconn ${somaxconn()})`,
    );
    const ratio = many.requestsPerSecond / one.requestsPerSecond;
    const tail = many.p99 / many.p50;
    console.log(
      `measured: ${MANY}/1 connections = ${ratio.toFixed(2)} by req/s (aim ≥ ${THROUGHPUT_AIM}), ${(one.serverMicrosPerRequest / many.serverMicrosPerRequest).toFixed(2)} by server CPU/req   p99/p50 at ${MANY} = ${tail.toFixed(2)} (aim ≤ ${TAIL_AIM})   total run time ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const failures = one.errors + one.timeouts + one.non2xx + many.errors + many.timeouts + many.non2xx;
    // One line to compare runs by (docs/performance.md).
    console.log(
      `connections: ${MANY}/1=${ratio.toFixed(2)} (cpu ${one.serverMicrosPerRequest.toFixed(0)}/${many.serverMicrosPerRequest.toFixed(0)} µs/req) p50=${many.p50.toFixed(2)} ms p99=${many.p99.toFixed(2)} ms p99/p50=${tail.toFixed(2)} per-conn req/s min/med/max=${steady.min.toFixed(1)}/${steady.median.toFixed(1)}/${steady.max.toFixed(1)} first-answer max=${many.firstAnswer.max.toFixed(0)} ms errors=${failures} (timeouts ${one.timeouts + many.timeouts})`,
    );
    if (failures > 0) process.exitCode = 1;
  } finally {
    await stopReplicas(servers);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
