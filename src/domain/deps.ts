import type { Store } from './ports.js';
import type { SecretHasher } from './secrets.js';

/** What every domain function is given by the entry point that calls it. */
export interface DomainDeps {
  store: Store;
  /** The one clock for every expiry decision (so every decision agrees on "now"); tests pass a fixed one. */
  now: () => Date;
  hasher: SecretHasher;
  defaultRoleName: string;
}
