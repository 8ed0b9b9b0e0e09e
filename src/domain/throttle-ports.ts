/**
 * Failed-attempt counters in fixed windows, kept where every replica sees them (the database), so N
 * replicas allow as many attempts as one.
 */
export interface ThrottleCounters {
  /** Adds one attempt to (scope, subject, window) atomically and returns the window's count after it. */
  hit(scope: string, subject: string, windowIndex: number, expiresMs: number): Promise<number>;
  /** Takes one attempt back: a reserved attempt that turned out not to be a failure. */
  refund(scope: string, subject: string, windowIndex: number): Promise<void>;
  /** Deletes windows that ended before `nowMs`; returns how many. */
  prune(nowMs: number): Promise<number>;
}
