/**
 * `npm run bench:revocation` — how long a revoked key lives on with the verify path's key cache.
 * Three replicas (child processes, each with its own pool, key cache and LISTEN connection) share a
 * throw-away PostgreSQL database. Each round, a fresh key is verified on all three continuously; then one
 * replica makes it inactive, and the time from that replica's acknowledgement until each replica first
 * answers INACTIVE is recorded. Target: every replica within 100 ms. (bench:replicas measures the same
 * with 100,000 keys in the table, after its throughput runs; the pieces are in bench/replica.ts.)
 *
 * BENCH_POSTGRES_URL picks the server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import {
  measureRevocation,
  reportRevocation,
  seedKeys,
  startReplicas,
  stopReplicas,
  withThrowAwayPostgres,
  type Replica,
} from './replica.js';

const REPLICAS = 3;
const ROUNDS = 20;
const TARGET_MS = 100;

async function main(): Promise<void> {
  await withThrowAwayPostgres('akb_revocation', async (database) => {
    await seedKeys(database, 0, 0);
    let replicas: Replica[] = [];
    try {
      replicas = await startReplicas(database, REPLICAS);
      const perReplica = await measureRevocation(replicas, ROUNDS);
      console.log(
        `revocation benchmark: ${REPLICAS} replicas (separate processes, PostgreSQL pool 10 each, LISTEN/NOTIFY), ${ROUNDS} rounds, verify in a loop on every replica; time from the deactivating replica's acknowledgement to each replica's first INACTIVE`,
      );
      const { max, p50 } = reportRevocation(perReplica);
      console.log(`revocation: max=${max.toFixed(1)} ms p50=${p50.toFixed(1)} ms (target ≤ ${TARGET_MS} ms)`);
      if (!(max <= TARGET_MS)) process.exitCode = 1;
    } finally {
      await stopReplicas(replicas);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
