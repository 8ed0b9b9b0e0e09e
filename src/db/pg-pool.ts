import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { msLeft } from './deadline.js';
import { classifyFault } from './faults.js';

export interface PoolLimits {
  /** Longest wait for a pooled or new connection when no request deadline is shorter. */
  connectMs: number;
  /** Longest wait for one query's answer when no request deadline is shorter (a silent network). */
  queryMs: number;
}

/** Our own give-up: ETIMEDOUT makes the fault classifier call it "unavailable", like pg's own timeouts. */
class DatabaseTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * Waits for a connection no longer than `ms`. pg's pool cannot abandon a wait, so a connection that
 * arrives after we gave up goes straight back: no statement ever runs on it, so nothing is half done.
 */
async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  const pending = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout('timeout exceeded when trying to connect (request deadline)')), ms);
  });
  try {
    return await Promise.race([pending, timeout]);
  } catch (error) {
    pending.then(
      (late) => late.release(),
      () => undefined,
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One checked-out connection as Kysely sees it. Every query waits at most what is left of the request
 * (or `queryMs`). After a lost socket or an abandoned query the connection is never trusted again: later
 * statements (Kysely's ROLLBACK) fail at once instead of queueing behind the silent one, and release
 * destroys it, so the pool opens a fresh one.
 */
class GuardedClient implements PostgresPoolClient {
  #broken: unknown;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly queryMs: number,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // The dialect is configured without a cursor class, so Kysely never hands us one.
    if (typeof sqlOrCursor !== 'string') throw new Error('streaming queries are not configured');
    return this.run<R>(sqlOrCursor, parameters);
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    if (this.#broken !== undefined) throw this.#broken;
    // A COMMIT that times out might still have committed; telling the user "nothing was changed" would
    // then be false, so it gets the full limit rather than what is left of the request.
    const isCommit = /^\s*commit\b/i.test(sql);
    const left = isCommit ? undefined : msLeft();
    const timeout = Math.min(this.queryMs, left ?? this.queryMs);
    try {
      // pg reads a per-query `query_timeout` from the config (client.js); @types/pg does not list it.
      const config: pg.QueryConfig & { query_timeout: number } = { text: sql, values: [...parameters], query_timeout: timeout };
      const result = await this.client.query<R & pg.QueryResultRow>(config);
      return { command: result.command as PostgresQueryResult<R>['command'], rowCount: result.rowCount ?? 0, rows: result.rows };
    } catch (error) {
      if (classifyFault(error) === 'unavailable') this.#broken = error;
      throw error;
    }
  }

  release(destroy?: boolean): void {
    this.client.release(destroy === true || this.#broken !== undefined);
  }
}

/**
 * pg's pool for Kysely, with every client's errors handled and every wait bounded. A checked-out client
 * whose socket dies (a failover, a reset) emits 'error'; pg-pool listens only while a client is idle, so
 * without the listener below that event would end the process. The query in flight gets the error too,
 * and `GuardedClient.release` drops the dead client.
 */
export class GuardedPool implements PostgresPool {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: PoolLimits,
    onClientError: (error: Error) => void = () => undefined,
    private readonly onEnd: () => Promise<void> = async () => undefined,
  ) {
    pool.on('connect', (client) => {
      client.on('error', onClientError);
    });
    // An idle client whose backend goes away is removed by pg-pool, which then emits 'error' here.
    pool.on('error', onClientError);
  }

  async connect(): Promise<PostgresPoolClient> {
    const left = msLeft();
    const client = left === undefined || left >= this.limits.connectMs ? await this.pool.connect() : await connectWithin(this.pool, left);
    return new GuardedClient(client, this.limits.queryMs);
  }

  async end(): Promise<void> {
    await this.onEnd();
    await this.pool.end();
  }
}
