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
import { KeyCache, type ChangeFeed } from './key-cache.js';
import { KeyChangeListener } from './key-change-listener.js';
import { GuardedPool } from './pg-pool.js';
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
  /**
   * The verify path's key cache (key-cache.ts), one per connection so every store on it shares it, with
   * its change feed: SQLite's data_version, or PostgreSQL's LISTEN connection (stopped with the pool).
   */
  keyCache: KeyCache;
  /** PostgreSQL only: the LISTEN connection behind the cache (its origin tags this process's notifications). */
  keyChanges?: KeyChangeListener;
}

/**
 * Another process's commit to the same file changes `data_version` (this connection's own commits do
 * not: store.ts drops the cache after them). In WAL mode reading it takes a read lock on the WAL index,
 * about 4 µs: more than the rest of a cached verify. So it is read at most once per millisecond (every
 * cache hit when requests are sparser): another process's change reaches this cache within 1 ms.
 */
export const DATA_VERSION_CHECK_MS = 1;

function sqliteDataVersionFeed(sqlite: SqliteDatabase.Database): ChangeFeed {
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  let version = 0;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return {
    epoch(): number {
      const now = performance.now();
      if (now - checkedAt >= DATA_VERSION_CHECK_MS) {
        version = dataVersion.get() as number;
        checkedAt = now;
      }
      return version;
    },
  };
}

export interface ConnectOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Told about a lost PostgreSQL connection (the request using it fails on its own). */
  onConnectionError?: (error: Error) => void;
}

/** Background work waits this long at most; interactive requests less (their deadline). */
const PG_LIMITS = { connectMs: 1000, queryMs: 6000 };
const SQLITE_OPEN_BUSY_WAIT_MS = 5000;

export function connect(config: DatabaseConfig, options: ConnectOptions = {}): Connection {
  if (config.kind === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    const sqlite = new SqliteDatabase(config.path);
    // Opening happens once, before anything is served, so it may wait for another process's lock.
    sqlite.pragma(`busy_timeout = ${SQLITE_OPEN_BUSY_WAIT_MS}`);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // better-sqlite3 is synchronous, so a busy wait inside SQLite freezes the event loop (every Slack ack
    // and verify with it). So SQLite never waits: a held write lock fails BEGIN IMMEDIATE at once and
    // the store backs off asynchronously (faults.ts) up to its deadline. Reads never need the lock in WAL.
    sqlite.pragma('busy_timeout = 0');
    const keyCache = new KeyCache();
    keyCache.useFeed(sqliteDataVersionFeed(sqlite));
    return {
      db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) }),
      dialect: 'sqlite',
      keyCache,
    };
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.poolSize ?? 10,
    // An exhausted pool or a database that is down must fail fast with a friendly message, not hang.
    // Interactive requests bound these waits further by their own deadline (pg-pool.ts, store.ts).
    connectionTimeoutMillis: PG_LIMITS.connectMs,
    idleTimeoutMillis: 10_000,
    statement_timeout: 5000,
    // A database that accepts and never answers (a black-holed network) is noticed by these, not by TCP.
    query_timeout: PG_LIMITS.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5000,
  });
  const keyCache = new KeyCache();
  const listener = new KeyChangeListener(
    config.url,
    () => keyCache.invalidate(),
    (error) => options.onConnectionError?.(error),
  );
  keyCache.useFeed(listener);
  // Kysely's destroy() ends the pool; the LISTEN connection goes with it, so no caller can leak it.
  const guarded = new GuardedPool(
    pool,
    PG_LIMITS,
    (error) => options.onConnectionError?.(error),
    () => listener.stop(),
  );
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) }),
    dialect: 'postgres',
    keyCache,
    keyChanges: listener,
  };
}
