import type { DomainDeps } from '../deps.js';
import type { KeyLeak, Repos } from '../ports.js';
import { iso } from '../time.js';

/** Queues the card's post or update unless one is already waiting (it will show the latest count when sent). */
export async function queueLeakCard(tx: Repos, deps: DomainDeps, leak: KeyLeak): Promise<void> {
  if (leak.cardQueued) return;
  await tx.leaks.update(leak.keyId, { cardQueued: true });
  await tx.notifications.enqueue({ kind: 'key_leak.card', keyId: leak.keyId }, iso(deps.now()));
}
