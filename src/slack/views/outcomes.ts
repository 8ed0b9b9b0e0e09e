import { ALREADY_HANDLED } from '../../domain/keys/change.js';
import type { KeyChange } from '../../domain/keys/change.js';
import { escapeText, mention } from './format.js';

/**
 * The words for what happened to a key, one function per outcome, used by every surface that reports
 * it (buttons, slash commands, admin verbs), so the same outcome reads the same everywhere.
 */

/** A replay of a request already acted on (a Slack retry or a captured request): nothing changed now. */
export const alreadyHandledText = (): string => ALREADY_HANDLED;

export const keyDeactivatedText = (name: string): string =>
  `:white_check_mark: *${escapeText(name)}* is now inactive. Integrations using it are refused from now on.`;

export const keyActivatedText = (name: string): string => `:white_check_mark: *${escapeText(name)}* is active again.`;

export const keyAlreadyText = (name: string, state: 'active' | 'inactive'): string => `*${escapeText(name)}* was already ${state}.`;

/** `deactivate` / `activate`, from a button or the slash command. */
export function keyStatusOutcomeText(result: KeyChange, to: 'active' | 'inactive'): string {
  if (result.replayed === true) return alreadyHandledText();
  if (!result.changed) return keyAlreadyText(result.key.name, to);
  return to === 'inactive' ? keyDeactivatedText(result.key.name) : keyActivatedText(result.key.name);
}

/** An admin's `revoke <key ID>`: the owner is named when it is someone else's key. */
export function keyRevokedText(result: KeyChange, adminId: string): string {
  if (!result.changed) return keyAlreadyText(result.key.name, 'inactive');
  const owner = result.key.ownerId === adminId ? '' : ` (owner ${mention(result.key.ownerId)})`;
  return `:no_entry: *${escapeText(result.key.name)}* \`${result.key.id}\`${owner} is revoked: inactive from now on.`;
}
