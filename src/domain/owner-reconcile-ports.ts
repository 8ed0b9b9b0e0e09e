/**
 * The daily owner reconcile (docs/offboarding.md): asks Slack about every owner of a usable key and
 * offboards the ones whose account is deactivated, for events missed while the app was down.
 */

/** What Slack says about one person (`users.info`), classified by the Slack side. */
export type DirectoryAnswer =
  | { kind: 'active' }
  | { kind: 'deleted' }
  /** Slack does not know the ID (another workspace, a typo in a test): never taken as "left". */
  | { kind: 'unknown_user' }
  /** Nothing may be asked before `retryAfterMs` has passed. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Slack, the network or the token failed: the run stops and the next one tries again. */
  | { kind: 'unavailable'; error: string };

/** Implemented in src/slack/outbound with a WebClient of its own (no retries: the job decides). */
export interface UserDirectory {
  lookUp(userId: string): Promise<DirectoryAnswer>;
}

export interface ReconcileProgress {
  /** The last owner ID checked: the next batch starts after it. */
  cursor: string | null;
  checked: number;
  offboarded: number;
}

/** The runs' claims and cursors (table `owner_reconcile_runs`), each call a short transaction of its own. */
export interface OwnerReconcileStore {
  /**
   * Claims run `runId` for `leaseMs`: a new run, or one whose lease ran out before it finished (a
   * crashed replica's, resumed from its cursor). Undefined when another replica holds it or it finished.
   */
  claim(runId: string, now: Date, leaseMs: number): Promise<ReconcileProgress | undefined>;
  /** Owners of usable keys (active, delivered, unexpired at `now`) with an ID above `after`, in ID order. */
  ownersAfter(after: string | null, now: Date, limit: number): Promise<string[]>;
  /** Records progress and extends the lease; false when the run is no longer this claim's (lease lost). */
  advance(runId: string, progress: ReconcileProgress, now: Date, leaseMs: number): Promise<boolean>;
  finish(runId: string, progress: ReconcileProgress, now: Date): Promise<void>;
}
