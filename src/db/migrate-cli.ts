import { loadDatabaseConfig, readEnvironment } from '../config.js';
import { isAppError } from '../errors.js';
import { connect } from './connect.js';
import { migrateToLatest } from './migrate.js';

/** `npm run migrate`: applies pending migrations and says which. */
async function main(): Promise<void> {
  const { db } = connect(loadDatabaseConfig(await readEnvironment()));
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(isAppError(error) ? error.message : error);
  process.exit(1);
});
