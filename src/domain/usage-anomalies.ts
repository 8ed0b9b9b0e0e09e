import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { HOUR_MS, OTHER_LABEL, UNKNOWN_NETWORK, type UsageCell } from './usage-counts.js';

/**
 * Usage anomaly notices (SPEC §15, docs/usage-analytics.md). After each batch of counters is written,
 * the keys in it are checked for four kinds of surprise; each is told to the owner at most once per
 * key, kind and UTC day (a marker row written in the same transaction as the queued DM), and a burst
 * of denials is also audited, so the security channel sees it through the audit mirror.
 */

export const anomalyKinds = ['new_network', 'spike', 'idle_return', 'denial_burst'] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

/** An hour above this many times the key's 7-day hourly median (at least 1) is a spike. */
export const SPIKE_FACTOR = 10;
/** A use after this long without one. */
export const IDLE_MS = 30 * 24 * HOUR_MS;
/** This many denials of one key in one hour is a burst. */
export const DENIAL_BURST = 20;
const WEEK_HOURS = 7 * 24;
/** Who acted in a denial burst's record: callers of the HTTP API (usage.ts's API_ACTOR; that module imports this one). */
const API_ACTOR = 'api';
type UsageDeps = Pick<DomainDeps, 'store' | 'now'>;
/**
 * Keys checked per batch (a few reads each), the busiest first: the check's cost stays bounded however
 * many keys a flush holds. A key left out is checked the next time it is in a batch.
 */
export const MAX_KEYS_CHECKED = 100;

export interface Anomaly {
  keyId: string;
  kind: AnomalyKind;
  /** YYYY-MM-DD (UTC) of the hour it happened in. */
  day: string;
  /** What the owner is shown: the new network, the hour's count and the median, idle days, denials. */
  detail: { network?: string; count?: number; median?: number; idleDays?: number; hour?: string };
}

const dayOfHour = (hour: number): string => new Date(hour * HOUR_MS).toISOString().slice(0, 10);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * What these cells reveal, read against the stored counters and the keys' last use. Run after the
 * cells are written and before the same flush moves last-used times forward (the idle check reads the
 * last use before this batch).
 */
export async function findAnomalies(deps: UsageDeps, cells: readonly UsageCell[], maxKeys = MAX_KEYS_CHECKED): Promise<Anomaly[]> {
  const byKey = new Map<string, UsageCell[]>();
  const weight = new Map<string, number>();
  for (const cell of cells) {
    const list = byKey.get(cell.keyId);
    if (list === undefined) byKey.set(cell.keyId, [cell]);
    else list.push(cell);
    // Denials weigh most, then uses: a burst or a spike is checked before a quiet key.
    if (cell.dimension === 'all')
      weight.set(cell.keyId, (weight.get(cell.keyId) ?? 0) + cell.count * (cell.outcome === 'valid' ? 1 : 1000));
  }
  const keys = [...byKey.keys()].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0)).slice(0, maxKeys);
  const found: Anomaly[] = [];
  const counts = deps.store.usageCounts;
  for (const keyId of keys) {
    const keyCells = byKey.get(keyId) ?? [];
    const key = await deps.store.read.keys.findById(keyId);
    if (key === undefined) continue;
    const valid = keyCells.filter((cell) => cell.outcome === 'valid');
    const hour = Math.max(...keyCells.map((cell) => cell.hour));
    const day = dayOfHour(hour);

    // A use after 30 days idle: the last use before this batch is at least that old.
    if (valid.length > 0 && key.lastUsedAt !== null) {
      const firstMs = Math.min(...valid.map((cell) => cell.hour)) * HOUR_MS;
      const idleMs = firstMs - Date.parse(key.lastUsedAt);
      if (idleMs >= IDLE_MS) found.push({ keyId, kind: 'idle_return', day, detail: { idleDays: Math.floor(idleMs / (24 * HOUR_MS)) } });
    }

    // First use from a network never seen for this key before (a key's very first use is not "new").
    for (const cell of valid) {
      if (cell.dimension !== 'network' || cell.label === UNKNOWN_NETWORK || cell.label === OTHER_LABEL) continue;
      if (key.lastUsedAt === null) continue;
      // Seen before: counted in an earlier hour, or earlier in this hour (more than this batch added).
      if ((await counts.labelTotalUpTo(keyId, 'network', cell.label, cell.hour)) > cell.count) continue;
      found.push({ keyId, kind: 'new_network', day: dayOfHour(cell.hour), detail: { network: cell.label } });
      break;
    }

    // The hour against the week before it: a spike of uses, or a burst of denials.
    const rows = await counts.hourlyTotals(keyId, hour - WEEK_HOURS, hour + 1);
    let thisHour = 0;
    let denied = 0;
    const week = new Map<number, number>();
    for (const row of rows) {
      if (row.hour === hour) {
        thisHour += row.count;
        if (row.outcome !== 'valid') denied += row.count;
      } else week.set(row.hour, (week.get(row.hour) ?? 0) + row.count);
    }
    const hourLabel = new Date(hour * HOUR_MS).toISOString();
    // Only a key at least a week old has a week to compare with.
    if (Date.parse(key.createdAt) <= (hour - WEEK_HOURS) * HOUR_MS) {
      const hourly = Array.from({ length: WEEK_HOURS }, (_, i) => week.get(hour - WEEK_HOURS + i) ?? 0);
      const typical = median(hourly);
      if (thisHour > SPIKE_FACTOR * Math.max(1, typical))
        found.push({ keyId, kind: 'spike', day, detail: { count: thisHour, median: typical, hour: hourLabel } });
    }
    if (denied >= DENIAL_BURST) found.push({ keyId, kind: 'denial_burst', day, detail: { count: denied, hour: hourLabel } });
  }
  return found;
}

/**
 * Tells each anomaly once per key, kind and day: the marker and the owner's DM in one transaction (a
 * replica or a retry that finds the marker does nothing); a denial burst is audited too. Returns how
 * many were told now.
 */
export async function tellAnomalies(deps: UsageDeps, anomalies: readonly Anomaly[]): Promise<number> {
  let told = 0;
  for (const anomaly of anomalies) {
    const at = deps.now().toISOString();
    const fresh = await deps.store.writeUsage(async (tx) => {
      if (!(await tx.usageAnomalies.markOnce(anomaly.keyId, anomaly.kind, anomaly.day, at))) return false;
      await tx.notifications.enqueue(
        { kind: 'usage.anomaly', keyId: anomaly.keyId, anomaly: anomaly.kind, day: anomaly.day, detail: anomaly.detail },
        at,
      );
      if (anomaly.kind === 'denial_burst') {
        const key = await tx.keys.findById(anomaly.keyId);
        if (key !== undefined) {
          const role = await tx.roles.findById(key.roleId);
          await appendAudit(
            tx,
            auditOf(API_ACTOR, 'key.usage_anomaly', key, role, {
              anomaly: anomaly.kind,
              count: anomaly.detail.count ?? 0,
              hour: anomaly.detail.hour ?? '',
            }),
            deps.now(),
          );
        }
      }
      return true;
    });
    if (fresh) told += 1;
  }
  return told;
}
