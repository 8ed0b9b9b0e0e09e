import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.js';
import { connect, type Connection } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createStore } from '../../src/db/store.js';
import type { Store } from '../../src/domain/ports.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * Database tests loop over these (as Kysely's own suite does). PostgreSQL is part of the default set:
 * if it cannot be reached the tests fail and say so — they never skip. TEST_DIALECTS=sqlite narrows a
 * local run on purpose.
 */
export const dialects: DialectName[] = (process.env.TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is DialectName => d === 'sqlite' || d === 'postgres');

/** The server the PostgreSQL tests create their throw-away databases on. */
export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: DialectName;
  config: DatabaseConfig;
  connection: Connection;
  store: Store;
  /** Opens another, independent connection (pool) to the same database, as another replica would. */
  openAnother(options?: { poolSize?: number }): Promise<{ connection: Connection; store: Store }>;
  cleanup(): Promise<void>;
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL tests need a server at ${postgresAdminUrl} (set TEST_POSTGRES_URL, or TEST_DIALECTS=sqlite to run SQLite only): ${String(error)}`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database: a new SQLite file in a temp folder, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: DialectName, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  let config: DatabaseConfig;
  let dropAfter: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'akb-test-'));
    config = { kind: 'sqlite', path: join(dir, 'keys.sqlite') };
    dropAfter = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `akb_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await withAdminClient((client) => client.query(`create database ${name}`));
    config = { kind: 'postgres', url: withDatabase(postgresAdminUrl, name) };
    dropAfter = async () => {
      await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
    };
  }
  const connection = connect(config, options);
  await migrateToLatest(connection.db);
  const store = createStore(connection);
  const others: Store[] = [];
  return {
    dialect,
    config,
    connection,
    store,
    async openAnother(more = {}) {
      const another = connect(config, more);
      const anotherStore = createStore(another);
      others.push(anotherStore);
      return { connection: another, store: anotherStore };
    },
    async cleanup() {
      // A test may have closed a store itself already; cleanup only has to make sure none stays open.
      for (const other of others) await other.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await dropAfter();
    },
  };
}
