import { sql } from 'kysely';
import type { ThrottleCounters } from '../domain/throttle-ports.js';
import { backgroundStatement } from './background-tx.js';
import type { Connection } from './connect.js';

/**
 * One upsert per attempt: `insert … on conflict do update set count = count + 1 returning count` is a
 * single atomic statement on both SQLite and PostgreSQL, so concurrent attempts, on one replica or
 * many, each see a distinct count and no two of them can both be "the last one allowed".
 */
export class KyselyThrottleCounters implements ThrottleCounters {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  async hit(scope: string, subject: string, windowIndex: number, expiresMs: number): Promise<number> {
    const row = await backgroundStatement(this.#connection, (db) =>
      db
        .insertInto('auth_throttle')
        .values({ scope, subject, window_index: windowIndex, count: 1, expires_ms: expiresMs })
        .onConflict((conflict) =>
          conflict.columns(['scope', 'subject', 'window_index']).doUpdateSet({ count: sql<number>`${sql.ref('auth_throttle.count')} + 1` }),
        )
        .returning('count')
        .executeTakeFirstOrThrow(),
    );
    return Number(row.count);
  }

  async refund(scope: string, subject: string, windowIndex: number): Promise<void> {
    await backgroundStatement(this.#connection, (db) =>
      db
        .updateTable('auth_throttle')
        .set({ count: sql<number>`${sql.ref('count')} - 1` })
        .where('scope', '=', scope)
        .where('subject', '=', subject)
        .where('window_index', '=', windowIndex)
        .where('count', '>', 0)
        .execute(),
    );
  }

  async prune(nowMs: number): Promise<number> {
    const result = await backgroundStatement(this.#connection, (db) =>
      db.deleteFrom('auth_throttle').where('expires_ms', '<', nowMs).executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }
}
