/**
 * Limits that more than one layer enforces or shows (the domain checks, Slack's inputs and hints say
 * the same number). Defined once here so a change reaches every place at once.
 */

/** Characters (code points) in a key name, after trimming. */
export const KEY_NAME_MAX_CHARS = 64;

/** Characters (code points) in a role name; also bounds DEFAULT_ROLE and role names in button values. */
export const ROLE_NAME_MAX_CHARS = 64;
