import { jobPorts } from '../../src/domain/background.js';
import { createServices, type Services } from '../../src/domain/services.js';
import { SecretHasher } from '../../src/domain/secrets.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import type { Store } from '../../src/domain/ports.js';
import { createTestDatabase, type DialectName, type TestDatabase } from './db.js';

/** A clock tests move by hand: every expiry decision in the app reads it. */
export class TestClock {
  #now: number;
  constructor(start: string | Date = '2026-01-15T12:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }
  now = (): Date => new Date(this.#now);
  set(at: string | Date): void {
    this.#now = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface ServicesOptions {
  clock?: TestClock;
  pepper?: string;
  defaultRoleName?: string;
  admins?: string[];
  /** API_ACCESS_APPROVALS (SPEC §17). */
  apiAccessApprovals?: number;
  /** TOTP enrolment and step-up settings. */
  mfa?: DomainDeps['mfa'];
}

/** Services over a store, with baseline roles and (optionally) bootstrap admins, as start-up does. */
export async function makeServices(
  store: Store,
  options: ServicesOptions = {},
): Promise<{ services: Services; clock: TestClock; deps: DomainDeps }> {
  const clock = options.clock ?? new TestClock();
  const deps: DomainDeps = {
    store,
    now: clock.now,
    hasher: new SecretHasher(options.pepper),
    defaultRoleName: options.defaultRoleName ?? 'Account Group Read Only',
    apiAccessApprovals: options.apiAccessApprovals,
    mfa: options.mfa,
  };
  const services = createServices(deps);
  await services.users.ensureBaselineRoles();
  await services.users.bootstrapAdmins(options.admins ?? ['UADMIN']);
  return { services, clock, deps };
}

/** Another replica: the same settings and clock over another store (another connection or pool). */
export function replicaOver(deps: DomainDeps, store: Store): Services {
  return createServices({ ...deps, store });
}

/** Services over a store and a clock, for tests that drive the scheduler's jobs over a store they built (a crashing one, another replica's). */
export function servicesOver(store: Store, now: () => Date): Services {
  return createServices({ store, now, hasher: new SecretHasher(undefined), defaultRoleName: 'Account Group Read Only' });
}

/** What a scheduler job is given (src/scheduler/job-context.ts), over a store and a clock, as runtime.ts wires it. */
export function jobsOver(store: Store, now: () => Date): { services: Services; ports: ReturnType<typeof jobPorts> } {
  return { services: servicesOver(store, now), ports: jobPorts(store, now) };
}

/**
 * A fresh database and its services, with the admin UADMIN and UALICE granted API access: how most
 * domain tests begin. The caller cleans up (`db.cleanup()`).
 */
export async function domainWithAlice(
  dialect: DialectName,
): Promise<{ db: TestDatabase; services: Services; clock: TestClock; deps: DomainDeps }> {
  const db = await createTestDatabase(dialect);
  const made = await makeServices(db.store, { admins: ['UADMIN'] });
  await made.services.access.grant('UADMIN', 'UALICE');
  return { db, ...made };
}
