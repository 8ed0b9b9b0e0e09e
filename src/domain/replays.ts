import type { DomainDeps } from './deps.js';
import type { Repos } from './ports.js';
import { DAY_MS, iso } from './time.js';

/**
 * Records the interaction `once` (a Slack view or button press) in the caller's transaction. False:
 * it was acted on before, so this is a replay and must change nothing. No id: always acts.
 */
export async function firstTime(tx: Repos, deps: DomainDeps, actorId: string, once: string | undefined): Promise<boolean> {
  return once === undefined || tx.processedRequests.claim(once, actorId, iso(deps.now()));
}

/** Replay markers are kept well past Slack's 5-minute signature window, then forgotten. */
export const REPLAY_MEMORY_MS = DAY_MS;

export async function forgetOldReplays(deps: DomainDeps): Promise<number> {
  return deps.store.write((tx) => tx.processedRequests.forgetBefore(iso(new Date(deps.now().getTime() - REPLAY_MEMORY_MS))));
}
