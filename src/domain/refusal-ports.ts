import type { AuditAction } from './model.js';

/**
 * A refused attempt by a signed-in Slack user, such as a non-admin pressing Approve. Refusals go through
 * the same windows as failed authentications: one audit record per (actor, action, attempt) and minute,
 * with a count, so a burst of forged presses cannot flood the audit log and the security channel.
 */
export interface RefusalKind {
  actorId: string;
  action: AuditAction;
  /** What was attempted ('approve', 'deny'): each kind gets its own window, seen at once. */
  attempted: string;
  /** Facts of the first refusal in the window (e.g. the request ID); never a secret. */
  details: Record<string, string | number | boolean | null>;
}

/**
 * What a caller does with a refusal. `write_now`: the first in its window, audited at once by the
 * caller (count 1), so the security channel hears of an attempt without waiting a minute;
 * `aggregated`: counted in the window, written as one record when the window closes.
 */
export type RefusalVerdict = 'write_now' | 'aggregated';

/** Where the domain hands refusals (the UsageRecorder); without one, each refusal is written at once. */
export interface RefusalSink {
  recordRefusal(refusal: RefusalKind): RefusalVerdict;
}
