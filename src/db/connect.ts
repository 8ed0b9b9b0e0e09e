import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { withStatementCache } from './statement-cache.js';
import type { Database } from './tables.js';

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken before the first read, so a
 * count-then-insert (the per-role key limit) cannot interleave with another process doing the same.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export interface Connection {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

export interface ConnectOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export function connect(config: DatabaseConfig, options: ConnectOptions = {}): Connection {
  if (config.kind === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    const sqlite = new SqliteDatabase(config.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // better-sqlite3 is synchronous, so a long busy wait would freeze the event loop (and every Slack
    // ack with it). Wait only briefly here; the store retries BUSY asynchronously up to its deadline.
    sqlite.pragma('busy_timeout = 25');
    return { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) }), dialect: 'sqlite' };
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.poolSize ?? 10,
    // An exhausted pool or a database that is down must fail fast with a friendly message, not hang.
    connectionTimeoutMillis: 1000,
    idleTimeoutMillis: 10_000,
    statement_timeout: 5000,
  });
  // A backend killed while idle emits 'error' on the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}
