import pg from 'pg';
import type { TestDatabase } from './db.js';
import { until } from './wait.js';

function databaseUrl(db: TestDatabase): string {
  if (db.config.kind !== 'postgres') throw new Error('a PostgreSQL test database is needed');
  return db.config.url;
}

/**
 * Takes the audit chain's row lock on a connection of its own (straight to PostgreSQL, past any proxy),
 * so the app's writes queue behind it, each holding one of its pool's connections.
 */
export async function holdAuditChainLock(db: TestDatabase): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl(db) });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('begin');
  await client.query('select seq from audit_head where id = 1 for update');
  return {
    async release() {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Waits until at least `count` backends of this database wait for a lock. */
export async function awaitLockWaiters(db: TestDatabase, count: number): Promise<void> {
  const url = new URL(databaseUrl(db));
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await until(async () => {
      const result = await client.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'",
        [url.pathname.slice(1)],
      );
      return Number(result.rows[0]?.n ?? 0) >= count;
    }, `${count} app connections waiting for the lock`);
  } finally {
    await client.end();
  }
}

/** Every uncaught exception and unhandled rejection while a test runs (a crash, if nobody caught it). */
export function watchForCrashes(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    errors,
    stop() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
    },
  };
}

/** GET /healthz with how long the answer took. */
export async function health(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}
