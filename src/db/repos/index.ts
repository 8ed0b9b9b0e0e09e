import { READ_METHODS, USAGE_METHODS, type ReadRepos, type Repos, type UsageRepos } from '../../domain/repo-ports.js';
import * as accessRequests from './access-requests.js';
import * as audit from './audit.js';
import type { Db } from './db.js';
import * as keyLeaks from './key-leaks.js';
import * as dualControl from './dual-control.js';
import * as keys from './keys.js';
import * as mfa from './mfa.js';
import * as memberships from './memberships.js';
import * as notifications from './notifications.js';
import * as offboardings from './offboardings.js';
import * as processedRequests from './processed-requests.js';
import * as reviews from './reviews.js';
import * as roles from './roles.js';
import * as settings from './settings.js';
import * as streams from './streams.js';
import * as usageAnomalies from './usage-anomalies.js';
import * as users from './users.js';

// Functions of the form (db, ...args) => result, as every table module exports them.
type Bound<M> = { [K in keyof M]: M[K] extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never };

function bind<M extends object>(db: Db, module: M): Bound<M> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function') bound[name] = (...args: unknown[]) => (value as (db: Db, ...rest: unknown[]) => unknown)(db, ...args);
  }
  return bound as Bound<M>;
}

/** The domain's repositories over one Kysely handle: the pool (`Store.read`) or a transaction (`Store.write`). */
export function reposOver(db: Db): Repos {
  return {
    users: bind(db, users),
    roles: bind(db, roles),
    memberships: bind(db, memberships),
    accessRequests: bind(db, accessRequests),
    keys: bind(db, keys),
    audit: bind(db, {
      readHead: audit.readHead,
      insert: audit.insert,
      writeHead: audit.writeHead,
      listAscending: audit.listAscending,
      search: audit.search,
      findBySeq: audit.findBySeq,
      countPending: audit.countPending,
      highestQueuedSeq: audit.highestQueuedSeq,
    }),
    processedRequests: bind(db, processedRequests),
    settings: bind(db, settings),
    notifications: bind(db, notifications),
    offboardings: bind(db, offboardings),
    reviews: bind(db, reviews),
    streams: bind(db, {
      insert: streams.insert,
      findById: streams.findById,
      list: streams.list,
      setState: streams.setState,
      remove: streams.remove,
      replayFrom: streams.replayFrom,
      markAlerted: streams.markAlerted,
    }),
    leaks: bind(db, keyLeaks),
    dualControl: bind(db, dualControl),
    mfa: bind(db, mfa),
    usageAnomalies: bind(db, usageAnomalies),
  };
}

/**
 * Only the named methods of each repository: the others do not exist on the object handed out, so not
 * even a cast reaches them (Store.read gets the reading half, Store.writeUsage what cannot revoke a key).
 */
function pickMethods(
  repos: Repos,
  methods: Readonly<Partial<Record<keyof Repos, readonly string[]>>>,
): Record<string, Record<string, unknown>> {
  const picked: Record<string, Record<string, unknown>> = {};
  for (const [table, names] of Object.entries(methods)) {
    const all = repos[table as keyof Repos] as unknown as Record<string, unknown>;
    picked[table] = Object.fromEntries((names ?? []).map((name) => [name, all[name]]));
  }
  return picked;
}

// The casts restate what READ_METHODS / USAGE_METHODS define as types (repo-ports.ts); pickMethods builds exactly those.
export const readReposOf = (repos: Repos): ReadRepos => pickMethods(repos, READ_METHODS) as unknown as ReadRepos;
export const usageReposOf = (repos: Repos): UsageRepos => pickMethods(repos, USAGE_METHODS) as unknown as UsageRepos;
