import type { Repos } from './repo-ports.js';

/**
 * Stale keys (docs/operations.md, "Background work"): a key unused for STALE_KEY_AFTER gets its owner one DM with
 * Keep / Make inactive / Delete. The clock starts at the last use, or creation, or the last "Keep".
 * One marker per (key, clock start) makes each notice happen once across restarts and replicas.
 */
export interface StaleCandidate {
  id: string;
  name: string;
  ownerId: string;
  roleId: string;
  clockFrom: string;
}

export interface StaleNotice {
  id: string;
  keyId: string;
  clockFrom: string;
  noticedAt: string;
}

/** Marker access inside one audited write transaction. */
export interface StaleNotices {
  /** The key's stale clock start now, under the write lock; undefined if the key is gone. */
  currentClock(keyId: string): Promise<string | undefined>;
  /** Closes an open notice; true only for the one transaction that closed it. */
  close(id: string, state: 'inactivated' | 'resolved', at: string): Promise<boolean>;
}

export interface StaleKeyStore {
  findStaleUnnoticed(cutoff: Date, now: Date, limit: number): Promise<StaleCandidate[]>;
  notice(candidates: readonly StaleCandidate[], now: Date): Promise<number>;
  noticesDue(before: Date, limit: number): Promise<StaleNotice[]>;
  write<T>(fn: (tx: Repos, notices: StaleNotices) => Promise<T>): Promise<T>;
  pruneNotices(cutoff: Date, limit: number): Promise<number>;
}
