import { DAY_MS } from './time.js';

/**
 * Expiry warnings (docs/rules.md: expiry-warnings): pure rules about which warning a key is due for. A key is warned when it
 * *enters* a threshold ("7 days before expiry", "1 day before", "expired"), once per (key, threshold,
 * expiry). An extended key has a new expiry, so its old markers no longer apply and the thresholds of
 * the new expiry fire in their time.
 */

export const EXPIRED_THRESHOLD = 'expired';

export interface Threshold {
  /** Stored in markers: '7d', '1d', or 'expired'. */
  id: string;
  /** 0 for 'expired'. */
  days: number;
  /** How long before the expiry the threshold is entered. */
  leadMs: number;
}

/** The thresholds for EXPIRY_WARNING_DAYS plus expiry itself, most urgent first. */
export function expiryThresholds(warningDays: readonly number[]): Threshold[] {
  const days = [...new Set(warningDays.filter((d) => Number.isInteger(d) && d > 0))].sort((a, b) => a - b);
  return [{ id: EXPIRED_THRESHOLD, days: 0, leadMs: 0 }, ...days.map((d) => ({ id: `${d}d`, days: d, leadMs: d * DAY_MS }))];
}

/** The instant a key with this expiry enters the threshold. */
export function entersAt(expiresAt: string, threshold: Threshold): number {
  return Date.parse(expiresAt) - threshold.leadMs;
}

/** What the job needs to know about a key that may be due. */
export interface DueKey {
  id: string;
  name: string;
  ownerId: string;
  roleId: string;
  status: string;
  expiresAt: string;
  createdAt: string;
}

export type SkipReason =
  /** A more urgent threshold is due too (the app was down, or a run was missed): only that one is sent. */
  | 'superseded'
  /** The key was created already inside this threshold: "expires in 7 days" would be news to no one. */
  | 'entered_at_creation'
  /** Expired long ago (e.g. first run over old data): audited, but nobody is messaged about it. */
  | 'stale'
  /** An inactive key cannot authenticate anyway; its owner (or an admin) turned it off on purpose. */
  | 'inactive';

export interface WarningPlan {
  notify: Threshold | undefined;
  skip: Array<{ threshold: Threshold; reason: SkipReason }>;
}

/**
 * Which markers to write for a key now. Every due threshold gets a marker: the most urgent one is a
 * warning to send (unless a reason says otherwise), the others are marked skipped. Already marked
 * thresholds are left alone, so running this twice, or on two replicas, never warns twice.
 */
export function planWarnings(
  key: Pick<DueKey, 'expiresAt' | 'createdAt' | 'status'>,
  now: Date,
  thresholds: readonly Threshold[],
  marked: ReadonlySet<string>,
  options: { staleAfterMs: number },
): WarningPlan {
  const due = thresholds.filter((t) => entersAt(key.expiresAt, t) <= now.getTime()).sort((a, b) => a.leadMs - b.leadMs);
  const [urgent, ...rest] = due;
  if (urgent === undefined) return { notify: undefined, skip: [] };
  const skip: WarningPlan['skip'] = rest
    .filter((t) => !marked.has(t.id))
    .map((threshold) => ({ threshold, reason: 'superseded' as const }));
  if (marked.has(urgent.id)) return { notify: undefined, skip };
  const reason = reasonNotToWarn(key, urgent, now, options.staleAfterMs);
  if (reason !== undefined) return { notify: undefined, skip: [{ threshold: urgent, reason }, ...skip] };
  return { notify: urgent, skip };
}

function reasonNotToWarn(
  key: Pick<DueKey, 'expiresAt' | 'createdAt' | 'status'>,
  threshold: Threshold,
  now: Date,
  staleAfterMs: number,
): SkipReason | undefined {
  if (key.status !== 'active') return 'inactive';
  if (threshold.leadMs > 0 && entersAt(key.expiresAt, threshold) <= Date.parse(key.createdAt)) return 'entered_at_creation';
  if (threshold.leadMs === 0 && now.getTime() - Date.parse(key.expiresAt) > staleAfterMs) return 'stale';
  return undefined;
}

export type CancelReason = 'key_deleted' | 'expiry_changed' | 'inactive' | 'superseded';

/**
 * Checked again just before a queued warning is sent (it may have waited out a Slack outage): nothing
 * for deleted, extended or deactivated keys, and no "7 days left" once a more urgent threshold is due.
 */
export function reasonToCancel(
  queued: { threshold: string; expiresAt: string },
  key: Pick<DueKey, 'expiresAt' | 'status'> | undefined,
  now: Date,
  thresholds: readonly Threshold[],
): CancelReason | undefined {
  if (key === undefined) return 'key_deleted';
  if (key.expiresAt !== queued.expiresAt) return 'expiry_changed';
  if (key.status !== 'active') return 'inactive';
  const threshold = thresholds.find((t) => t.id === queued.threshold);
  if (threshold === undefined || threshold.leadMs === 0) return undefined;
  const moreUrgentDue = thresholds.some((t) => t.leadMs < threshold.leadMs && entersAt(key.expiresAt, t) <= now.getTime());
  return moreUrgentDue ? 'superseded' : undefined;
}
