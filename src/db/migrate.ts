import { setTimeout as sleep } from 'node:timers/promises';
import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { AppError } from '../errors.js';
import { classifyFault } from './faults.js';
import type { Database } from './tables.js';

/**
 * SQLite never waits for a lock by itself (connect.ts), so a migration meeting another process's write
 * lock (two replicas starting at once) tries again here. Start-up may wait this long; requests may not.
 */
const STARTUP_BUSY_DEADLINE_MS = 30_000;

/** Brings the schema to the latest version; safe to run on every start (already-run steps are skipped). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const deadline = Date.now() + STARTUP_BUSY_DEADLINE_MS;
  let result: MigrationResultSet = await migrator.migrateToLatest();
  while (result.error !== undefined && classifyFault(result.error) === 'busy' && Date.now() < deadline) {
    await sleep(20 + Math.random() * 30);
    result = await migrator.migrateToLatest();
  }
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('INTERNAL', `Database migration ${failed} failed`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
