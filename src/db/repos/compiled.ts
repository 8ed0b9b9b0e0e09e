import { createQueryId, type Compilable, type CompiledQuery } from 'kysely';
import type { Db } from './db.js';

/**
 * A query built and compiled once per database handle, then sent again with new parameters. On the hot
 * reads (verify, and the user context and key list behind nearly every Slack command) building and
 * compiling a query cost about as much as SQLite running it. The SQL text is the same either way; only
 * Kysely's work is skipped. A transaction is a new handle each time, so inside one this compiles anew.
 *
 * `build` must use each of its parameters exactly once, in order, and no other bound value: checked
 * when it is compiled, so a query this cannot serve fails at its first use (in the tests), never later.
 */
export function compiledOnce<P extends readonly (string | number)[], R>(
  name: string,
  build: (db: Db, ...params: P) => Compilable<R>,
): (db: Db, ...params: P) => CompiledQuery<R> {
  const compiledFor = new WeakMap<Db, CompiledQuery<R>>();
  return (db, ...params) => {
    const kept = compiledFor.get(db);
    if (kept !== undefined) return { ...kept, queryId: createQueryId(), parameters: params };
    const compiled = build(db, ...params).compile();
    const bound = compiled.parameters;
    if (bound.length !== params.length || bound.some((value, i) => value !== params[i]))
      throw new Error(`compiledOnce(${name}): the query must bind exactly its parameters, in order`);
    compiledFor.set(db, compiled);
    return compiled;
  };
}
