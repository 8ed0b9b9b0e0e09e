/**
 * Limits that more than one layer enforces or shows (the domain checks, Slack's inputs and hints say
 * the same number). Defined once here so a change reaches every place at once.
 */

/** Characters (code points) in a key name, after trimming. */
export const KEY_NAME_MAX_CHARS = 64;

/** Characters (code points) in a role name; also bounds DEFAULT_ROLE and role names in button values. */
export const ROLE_NAME_MAX_CHARS = 64;

/**
 * The database budget of a role deletion or removal: one transaction with a few statements per key and
 * member, which outgrows an interactive request's 2 s from a few hundred keys on PostgreSQL. The button
 * is acknowledged first and the outcome goes to its response_url, so it may take longer. Other changes
 * wait for it meanwhile (it holds the audit lock), and are told to try again if it takes over 2 s.
 */
export const ROLE_CHANGE_BUDGET_MS = 30_000;

/**
 * The database budget of one leak sighting (docs/leak-response.md). Slack's event was acknowledged
 * before it runs and nobody waits on the answer, so a burst of sightings queued behind the audit lock
 * must not be dropped after an interactive request's 2 s: a dropped sighting is a leaked key left working.
 */
export const LEAK_WRITE_BUDGET_MS = 15_000;
