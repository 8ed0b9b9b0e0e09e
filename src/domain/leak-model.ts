/**
 * The leak response's own types (SPEC §12; docs/leak-response.md), in a leaf module so the ports, the
 * notification kinds and the domain's dependencies can all name them without an import cycle.
 */

/** Where a leaked secret was found. */
export type LeakSource = 'slack' | 'github' | 'gitlab';
/** An admin's decision on a leak's card: keep the key inactive, or a false positive (made active again). */
export type LeakResolution = 'kept_inactive' | 'false_positive';

/** One leaked key: how often its secret was seen, and its one card in the security channel. */
export interface KeyLeak {
  keyId: string;
  sightings: number;
  firstAt: string;
  lastAt: string;
  lastSource: LeakSource;
  /** The last sighting's place: a Slack channel, a repository URL, a GitLab location. */
  lastLocation: string | null;
  /** The leak response made the key inactive (LEAK_ACTION=inactivate); false when it only alerted. */
  inactivated: boolean;
  cardChannel: string | null;
  cardTs: string | null;
  /** A post or update of the card waits in the notification outbox (one at a time). */
  cardQueued: boolean;
  resolution: LeakResolution | null;
  resolvedBy: string | null;
}

/** LEAK_ACTION: what a live key's sighting does to it. */
export type LeakAction = 'inactivate' | 'notify';
