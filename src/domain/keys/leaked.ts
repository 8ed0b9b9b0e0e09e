import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import { SYSTEM_ACTOR, type AccessKey, type Role } from '../model.js';
import type { KeyLeak, LeakResolution, LeakSource, ReadRepos } from '../ports.js';
import { firstTime } from '../replays.js';
import { isWellFormedSecret, redactCredentials, SecretHasher } from '../secrets.js';
import { isExpired, iso } from '../time.js';
import { contextIn, requireAdminIn } from '../users.js';
import { steppedUpIn } from '../mfa.js';
import { markKeyCompromised } from './compromised.js';
import { queueLeakCard } from './leak-card.js';
import { LEAK_WRITE_BUDGET_MS } from '../limits.js';

/**
 * Leak response (SPEC §12; docs/leak-response.md): a secret seen in Slack, by GitHub's secret scanning or
 * by a GitLab instance. Each sighting is one audited transaction: the key becomes compromised (the same
 * change as "Report compromised", so only an admin can make it active again) unless LEAK_ACTION=notify,
 * a `key.leaked` record says where it was seen (never the secret), and the notices go out through the
 * notification outbox after the commit.
 */
export type { LeakAction } from '../leak-model.js';

export interface LeakSighting {
  source: LeakSource;
  /**
   * Names the sighting, so a replay of it (Slack retrying an event, GitHub or GitLab sending the same
   * report again) changes nothing: Slack's channel and message ts, a repository URL, a GitLab location.
   */
  sightingId: string;
  /** Slack: the conversation and message the secret was posted in, and who posted it. */
  channel?: string;
  ts?: string;
  posterId?: string;
  /** GitHub and GitLab: where the secret was found (a commit or file URL, a location). */
  url?: string;
}

/**
 * `not_a_secret`: no valid checksum, nothing looked up. `unknown`: well-formed, but no key has it (only
 * counted). `replayed`: this sighting was acted on before. `leaked`: recorded now; `inactivated` when
 * this sighting is the one that stopped the key.
 */
export type LeakOutcome =
  | { kind: 'not_a_secret' }
  | { kind: 'unknown' }
  | { kind: 'replayed'; keyId: string }
  | { kind: 'leaked'; keyId: string; inactivated: boolean; sightings: number };

/** What an audit detail or a card may say about a place: no secret, and not a whole page of text. */
function safeLocation(text: string | undefined): string | null {
  if (text === undefined || text.trim() === '') return null;
  return redactCredentials(text.trim()).slice(0, 500);
}

/** The key whose secret this is, by every hash scheme still valid; undefined for none (or one never delivered). */
async function keyOfSecret(
  tx: Pick<ReadRepos, 'keys'>,
  deps: DomainDeps,
  secret: string,
): Promise<{ key: AccessKey; role: Role | undefined } | undefined> {
  for (const candidate of deps.hasher.lookupHashes(secret)) {
    const found = await tx.keys.findWithRoleByHash(candidate.hash);
    if (found === undefined) continue;
    if (found.key.hashVersion !== candidate.version || !SecretHasher.sameHash(found.key.keyHash, candidate.hash)) continue;
    // A key whose secret never reached its owner does not exist for anyone outside yet (as on verify).
    if (found.key.deliveredAt === null) return undefined;
    return found;
  }
  return undefined;
}

/** Hashes per lookup in `secretsOfSomeKey`: well inside every dialect's limit on bound parameters. */
const HASH_BATCH = 500;

/**
 * The secrets among `secrets` that may be some key's (well-formed, and a hash of them is stored), in one
 * query per 500: a scanner's batch of 1,000 strangers costs two reads, not a thousand.
 */
export async function secretsOfSomeKey(deps: DomainDeps, secrets: readonly string[]): Promise<Set<string>> {
  const byHash = new Map<string, string>();
  for (const secret of secrets) {
    if (!isWellFormedSecret(secret)) continue;
    for (const candidate of deps.hasher.lookupHashes(secret)) byHash.set(candidate.hash, secret);
  }
  const hashes = [...byHash.keys()];
  const found = new Set<string>();
  for (let i = 0; i < hashes.length; i += HASH_BATCH) {
    for (const hash of await deps.store.read.keys.findExistingHashes(hashes.slice(i, i + HASH_BATCH))) {
      const secret = byHash.get(hash);
      if (secret !== undefined) found.add(secret);
    }
  }
  return found;
}

/**
 * One sighting of a secret. Exactly once per `sightingId` across replicas and replays: the marker, the
 * key's change, its record and its notices share one transaction.
 */
export async function respondToLeak(deps: DomainDeps, secret: string, sighting: LeakSighting): Promise<LeakOutcome> {
  if (!isWellFormedSecret(secret)) return { kind: 'not_a_secret' };
  // Most well-formed strings scanners send are no key of ours: they cost one read, never the write lock.
  if ((await keyOfSecret(deps.store.read, deps, secret)) === undefined) return { kind: 'unknown' };
  // The marker names the sighting by a hash: a place (a URL) could itself carry a secret.
  const sightingHash = createHash('sha256').update(sighting.sightingId).digest('hex').slice(0, 40);
  return deps.store.write(
    async (tx): Promise<LeakOutcome> => {
      const found = await keyOfSecret(tx, deps, secret);
      if (found === undefined) return { kind: 'unknown' };
      const { key, role } = found;
      if (!(await firstTime(tx, deps, SYSTEM_ACTOR, `leak:${sighting.source}:${key.id}:${sightingHash}`)))
        return { kind: 'replayed', keyId: key.id };
      const now = deps.now();
      const at = iso(now);
      const location = safeLocation(sighting.channel ?? sighting.url);
      const details = {
        source: sighting.source,
        channel: sighting.channel ?? null,
        messageTs: sighting.ts ?? null,
        poster: sighting.posterId ?? null,
        url: safeLocation(sighting.url),
      };
      // A key its owner only switched off is stopped too: compromised, only an admin can switch it back on.
      const stop = (deps.leakAction ?? 'inactivate') === 'inactivate' && (key.status === 'active' || key.status === 'inactive');
      const previous = await tx.leaks.find(key.id);
      const sightings = (previous?.sightings ?? 0) + 1;
      if (stop) {
        await markKeyCompromised(tx, deps, SYSTEM_ACTOR, key, role, {
          action: 'key.leaked',
          details: { ...details, leakAction: 'inactivated', sighting: sightings },
        });
      } else {
        const leakAction = key.status === 'active' && !isExpired(key, now) ? 'notified' : 'already_inactive';
        await appendAudit(
          tx,
          auditOf(SYSTEM_ACTOR, 'key.leaked', key, role, { ...details, previousStatus: key.status, leakAction, sighting: sightings }),
          now,
        );
      }
      let leak: KeyLeak;
      if (previous === undefined) {
        leak = {
          keyId: key.id,
          sightings,
          firstAt: at,
          lastAt: at,
          lastSource: sighting.source,
          lastLocation: location,
          inactivated: stop,
          cardChannel: null,
          cardTs: null,
          cardQueued: false,
          resolution: null,
          resolvedBy: null,
        };
        await tx.leaks.insert(leak);
      } else {
        // A sighting after the leak was decided is a new incident: undecided again, so the card asks again.
        const reopened = previous.resolution !== null;
        const patch = {
          sightings,
          lastAt: at,
          lastSource: sighting.source,
          lastLocation: location,
          inactivated: (previous.inactivated && !reopened) || stop,
          ...(reopened ? { resolution: null, resolvedBy: null } : {}),
        };
        await tx.leaks.update(key.id, patch);
        leak = { ...previous, ...patch };
      }
      await queueLeakCard(tx, deps, leak);
      if (sighting.source === 'slack' && sighting.channel !== undefined && sighting.ts !== undefined) {
        await tx.notifications.enqueue(
          {
            kind: 'key_leak.thread_reply',
            keyId: key.id,
            channel: sighting.channel,
            ts: sighting.ts,
            inactivated: stop || key.status !== 'active',
          },
          at,
        );
      }
      // The owner (and whoever posted it) hear of a leak once, when it is first seen (or seen again after
      // it was decided) or when it stops the key.
      if (previous === undefined || previous.resolution !== null || stop) {
        const notice = { keyId: key.id, source: sighting.source, location, inactivated: stop || key.status !== 'active' };
        await tx.notifications.enqueue({ kind: 'key_leak.dm', userId: key.ownerId, to: 'owner', ...notice }, at);
        if (sighting.posterId !== undefined && sighting.posterId !== key.ownerId)
          await tx.notifications.enqueue({ kind: 'key_leak.dm', userId: sighting.posterId, to: 'poster', ...notice }, at);
      }
      return { kind: 'leaked', keyId: key.id, inactivated: stop, sightings };
    },
    { budgetMs: LEAK_WRITE_BUDGET_MS },
  );
}

/**
 * The card was posted (or updated) showing `shown`; `card` null when Slack said it is gone (the next
 * change posts a new one). Another change since then queues the next update, so a burst of sightings
 * ends with the card showing them all.
 */
export async function recordLeakCard(
  deps: DomainDeps,
  keyId: string,
  card: { channel: string; ts: string } | null,
  shown: { sightings: number; resolution: LeakResolution | null },
): Promise<void> {
  await deps.store.write(async (tx) => {
    const leak = await tx.leaks.find(keyId);
    if (leak === undefined) return;
    const where = card === null ? { cardChannel: null, cardTs: null } : { cardChannel: card.channel, cardTs: card.ts };
    const stale = leak.sightings !== shown.sightings || leak.resolution !== shown.resolution;
    await tx.leaks.update(keyId, { ...where, cardQueued: stale });
    if (stale) await tx.notifications.enqueue({ kind: 'key_leak.card', keyId }, iso(deps.now()));
  });
}

export type LeakDecision = { changed: boolean; replayed?: boolean; key: AccessKey; leak: KeyLeak };

/**
 * An admin's answer on the card: **Keep inactive** (the leak is confirmed; the key stays off) or
 * **False positive — reactivate** (the key works again; audited as such). Decided once: a second press,
 * or a replay of the first, changes nothing.
 */
export async function decideLeak(
  deps: DomainDeps,
  actorId: string,
  keyId: string,
  decision: LeakResolution,
  once?: string,
): Promise<LeakDecision> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const key = await tx.keys.findById(keyId);
    const leak = key === undefined ? undefined : await tx.leaks.find(keyId);
    if (key === undefined || leak === undefined) throw new AppError('KEY_NOT_FOUND', 'That key no longer exists.');
    if (!(await firstTime(tx, deps, actorId, once))) return { changed: false, replayed: true, key, leak };
    if (leak.resolution !== null) return { changed: false, key, leak };
    const role = await tx.roles.findById(key.roleId);
    let updated = key;
    if (decision === 'false_positive') {
      if (!(await steppedUpIn(tx, deps, once)))
        throw new AppError(
          'STEP_UP_REQUIRED',
          `Making "${key.name}" active again needs a step-up code. Nothing changed: press the button again.`,
        );
      if (isExpired(key, deps.now()))
        throw new AppError('KEY_EXPIRED', `"${key.name}" has expired, so it cannot be made active again. Extend its expiry first.`);
      const owner = await contextIn(tx, deps, key.ownerId);
      if (!owner.hasApiAccess) throw new AppError('NO_API_ACCESS', 'The owner has no API access, so the key stays inactive.');
      if (key.status !== 'active') {
        updated = { ...key, status: 'active' };
        await tx.keys.update(key.id, { status: 'active' });
      }
    }
    const action = decision === 'false_positive' ? 'key.leak_false_positive' : 'key.leak_kept_inactive';
    // "Keep inactive" on a key LEAK_ACTION=notify left working stops it now, as the leak action would have.
    if (decision === 'kept_inactive' && key.status === 'active')
      updated = await markKeyCompromised(tx, deps, actorId, key, role, { action, details: { sightings: leak.sightings } });
    else
      await appendAudit(tx, auditOf(actorId, action, updated, role, { previousStatus: key.status, sightings: leak.sightings }), deps.now());
    const resolved: KeyLeak = { ...leak, resolution: decision, resolvedBy: actorId };
    await tx.leaks.update(keyId, { resolution: decision, resolvedBy: actorId });
    await queueLeakCard(tx, deps, resolved);
    return { changed: true, key: updated, leak: { ...resolved, cardQueued: true } };
  });
}

/** Well-formed secrets that matched no key, by source, since start-up (a metric; never the secrets). */
export class UnknownLeakCounter {
  readonly bySource: Record<LeakSource, number> = { slack: 0, github: 0, gitlab: 0 };

  count(source: LeakSource): void {
    this.bySource[source] += 1;
  }
}
