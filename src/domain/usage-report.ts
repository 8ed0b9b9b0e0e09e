import type { DomainDeps } from './deps.js';
import { showKey, type KeyView } from './keys/find.js';
import { HOUR_MS, hourOf, type LabelTotal, type UsageOutcome } from './usage-counts.js';

/**
 * One key's usage as people see it in Slack (SPEC §15, docs/usage-analytics.md): uses per day for the
 * last 14 days by outcome, the top tags and networks, and denials by reason. Built from the stored
 * counters only (what the flusher has written: at most one flush interval behind).
 */

export const REPORT_DAYS = 14;
/** Rows of each top list in the report's table. */
export const TOP_LABELS = 10;
const DAY_MS = 24 * HOUR_MS;

export interface UsageDay {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  byOutcome: Record<UsageOutcome, number>;
}

export interface UsageReport extends KeyView {
  days: UsageDay[];
  /** Outcomes seen in the window: `valid` first, then denials by count. */
  outcomes: UsageOutcome[];
  topTags: LabelTotal[];
  topNetworks: LabelTotal[];
  /** Denials (every outcome but `valid`) by reason, biggest first. */
  denials: Array<{ reason: UsageOutcome; count: number }>;
  total: number;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The report for a key the actor may see: their own, or any key for an admin (by key ID). */
export async function usageReport(deps: DomainDeps, actorId: string, reference: string): Promise<UsageReport> {
  const view = await showKey(deps, actorId, reference);
  const nowMs = deps.now().getTime();
  const firstDayMs = Math.floor(nowMs / DAY_MS) * DAY_MS - (REPORT_DAYS - 1) * DAY_MS;
  const fromHour = hourOf(firstDayMs);
  const toHour = hourOf(nowMs) + 1;
  const counts = deps.store.usageCounts;
  const [hourly, topTags, topNetworks] = await Promise.all([
    counts.hourlyTotals(view.key.id, fromHour, toHour),
    counts.labelTotals(view.key.id, 'tag', fromHour, toHour, TOP_LABELS),
    counts.labelTotals(view.key.id, 'network', fromHour, toHour, TOP_LABELS),
  ]);
  const days: UsageDay[] = [];
  for (let i = 0; i < REPORT_DAYS; i++) days.push({ date: dayOf(firstDayMs + i * DAY_MS), byOutcome: {} });
  const byReason = new Map<UsageOutcome, number>();
  let total = 0;
  for (const row of hourly) {
    const day = days[Math.floor((row.hour * HOUR_MS - firstDayMs) / DAY_MS)];
    if (day === undefined) continue;
    day.byOutcome[row.outcome] = (day.byOutcome[row.outcome] ?? 0) + row.count;
    total += row.count;
    if (row.outcome !== 'valid') byReason.set(row.outcome, (byReason.get(row.outcome) ?? 0) + row.count);
  }
  const denials = [...byReason]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  const outcomes = [...(hourly.some((row) => row.outcome === 'valid') ? ['valid'] : []), ...denials.map((d) => d.reason)];
  return { ...view, days, outcomes, topTags, topNetworks, denials, total };
}
