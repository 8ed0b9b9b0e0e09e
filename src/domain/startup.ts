import { AppError } from '../errors.js';
import type { DomainDeps } from './deps.js';

const PEPPER_SETTING = 'key_hash_pepper_fingerprint';

/**
 * Refuses to start when KEY_HASH_PEPPER is missing or different from the one keys were hashed with:
 * otherwise every peppered key would silently fail to verify.
 */
export async function checkPepper(deps: DomainDeps): Promise<void> {
  const stored = await deps.store.read.settings.get(PEPPER_SETTING);
  const current = deps.hasher.fingerprint();
  if (stored !== undefined && current === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'KEY_HASH_PEPPER is not set, but keys were hashed with a pepper. Set the same KEY_HASH_PEPPER again.',
    );
  }
  if (stored !== undefined && current !== undefined && stored !== current) {
    throw new AppError('CONFIG_INVALID', 'KEY_HASH_PEPPER differs from the one keys were hashed with. Restore the original pepper.');
  }
  if (stored === undefined && current !== undefined) {
    await deps.store.write((tx) => tx.settings.set(PEPPER_SETTING, current));
  }
}
