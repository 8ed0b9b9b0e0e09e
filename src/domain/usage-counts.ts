import { isIP } from 'node:net';
import { containsCredential } from './secrets.js';

/**
 * Per-key usage counters (SPEC §15, docs/usage-analytics.md): every verify, login and key-API use is
 * counted per key, per hour, by outcome, by network and by the tags the caller passed. The HTTP layer
 * coalesces them in memory (src/http/usage-recorder.ts) and writes them in batches; the store adds them
 * up, so replicas add up too.
 */

export const HOUR_MS = 3_600_000;

/** `all` counts every use (label ''); `network` by /24 or /48; `tag` by a verify tag. */
export type UsageDimension = 'all' | 'network' | 'tag';

/**
 * What a use came to: `valid`, or why a known key was refused (`inactive`, `expired`, and whatever
 * later checks add, such as `network_not_allowed`). Uses of unknown keys are not counted per key.
 */
export type UsageOutcome = string;

export interface UsageCell {
  keyId: string;
  /** floor(epoch ms / HOUR_MS). */
  hour: number;
  dimension: UsageDimension;
  label: string;
  outcome: UsageOutcome;
  count: number;
}

export interface HourlyTotal {
  hour: number;
  outcome: UsageOutcome;
  count: number;
}

export interface LabelTotal {
  label: string;
  count: number;
}

/** The counters' storage (src/db/repos/usage-counts.ts), outside the audit lock: counts are not audited. */
export interface UsageCounts {
  /** Adds each cell's count to its row (an upsert per row, batched). */
  add(cells: readonly UsageCell[]): Promise<void>;
  /** Deletes rows of hours before `beforeHour` (and anomaly markers of days before it); returns how many counter rows. */
  prune(beforeHour: number): Promise<number>;
  /** The `all` rows of one key in [fromHour, toHour). */
  hourlyTotals(keyId: string, fromHour: number, toHour: number): Promise<HourlyTotal[]>;
  /** One key's labels of a dimension in [fromHour, toHour), summed over outcomes, biggest first. */
  labelTotals(keyId: string, dimension: 'network' | 'tag', fromHour: number, toHour: number, limit: number): Promise<LabelTotal[]>;
  /** The key's uses under this label in every hour up to and including `hour` (within retention). */
  labelTotalUpTo(keyId: string, dimension: 'network' | 'tag', label: string, hour: number): Promise<number>;
}

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/** The label for a caller without a readable address. */
export const UNKNOWN_NETWORK = 'unknown';
/** Labels beyond a key's per-flush allowance are counted together under this one. */
export const OTHER_LABEL = '(other)';

function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right];
}

/**
 * The network a use is counted under: the /24 of an IPv4 address (`203.0.113.0/24`), the /48 of an IPv6
 * address (`2001:db8:1::/48`). An IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function usageNetwork(address: string): string {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 4) return `${plain.slice(0, plain.lastIndexOf('.'))}.0/24`;
  if (family !== 6) return UNKNOWN_NETWORK;
  const groups = ipv6Groups(plain.split('%')[0] ?? plain)
    .slice(0, 3)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
  return `${groups.join(':')}::/48`;
}

/** At most this many tags per call. */
export const MAX_TAGS = 10;
/** A tag: 1–64 characters of letters, digits and `_ . : / = - @`, and never a secret (see parseTags). */
export const TAG_PATTERN = /^[A-Za-z0-9_.:/=@-]{1,64}$/;

/** Most verify calls pass no tags: one shared answer, no allocation on the hot path. */
const NO_TAGS = Object.freeze({ ok: true as const, tags: undefined });

/** A verify call's `tags`: the list (duplicates kept once), or why it is refused (for a 400 answer). */
export function parseTags(value: unknown): { ok: true; tags: readonly string[] | undefined } | { ok: false; problem: string } {
  if (value === undefined) return NO_TAGS;
  if (!Array.isArray(value)) return { ok: false, problem: '"tags" must be an array of strings' };
  if (value.length > MAX_TAGS) return { ok: false, problem: `"tags" may hold at most ${MAX_TAGS} entries (got ${value.length})` };
  const tags: string[] = [];
  for (const [index, tag] of value.entries()) {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag))
      return { ok: false, problem: `"tags[${index}]" must be 1–64 characters of letters, digits and _ . : / = - @` };
    // A tag is stored and shown in Slack: a key's secret (`aks_…`, alone or as `key=aks_…`) never is.
    if (containsCredential(tag)) return { ok: false, problem: `"tags[${index}]" looks like a secret key; never send secrets as tags` };
    if (!tags.includes(tag)) tags.push(tag);
  }
  return { ok: true, tags };
}
