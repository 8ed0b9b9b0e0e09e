import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import type { KeyWithRole } from '../ports.js';
import { SecretHasher, isWellFormedSecret } from '../secrets.js';
import { isExpired } from '../time.js';

export type VerifyCode = 'MALFORMED' | 'NOT_FOUND' | 'INACTIVE' | 'EXPIRED';
export type VerifyResult = { valid: true; key: AccessKey; role: Role | undefined } | { valid: false; code: VerifyCode };

const MALFORMED: VerifyResult = Object.freeze({ valid: false, code: 'MALFORMED' });
const NOT_FOUND: VerifyResult = Object.freeze({ valid: false, code: 'NOT_FOUND' });

/**
 * Told which known key was refused, and why (its usage report counts denials by reason); the caller's
 * answer stays the same for every refusal.
 */
export type RefusedKeySink = (keyId: string, code: 'INACTIVE' | 'EXPIRED') => void;

/** The verdict on a row found by a candidate hash, or undefined when the row is not this secret's. */
function judge(
  deps: DomainDeps,
  found: KeyWithRole,
  candidate: { version: number; hash: string },
  refused?: RefusedKeySink,
): VerifyResult | undefined {
  const { key, role } = found;
  if (key.hashVersion !== candidate.version || !SecretHasher.sameHash(key.keyHash, candidate.hash)) return undefined;
  // A key whose secret never reached its owner does not exist yet for anyone outside (docs/http-api.md).
  if (key.deliveredAt === null) return NOT_FOUND;
  // The clock is read only for a key that can expire: most keys on this path never do.
  if (key.expiresAt !== null && isExpired(key, deps.now())) {
    refused?.(key.id, 'EXPIRED');
    return { valid: false, code: 'EXPIRED' };
  }
  if (key.status !== 'active') {
    refused?.(key.id, 'INACTIVE');
    return { valid: false, code: 'INACTIVE' };
  }
  return { valid: true, key, role };
}

/**
 * The verdict when it needs no I/O: a malformed secret, or a key this process's key cache holds (the
 * cache keeps only usable keys and is dropped by every change, so a hit is as fresh as a read). Undefined
 * means the database must be asked: call `verifyKey`. The verify route answers most requests this way,
 * in the tick the body arrived, without a promise (docs/performance.md).
 */
export function verifyKeyCached(deps: DomainDeps, secret: unknown, refused?: RefusedKeySink): VerifyResult | undefined {
  if (!isWellFormedSecret(secret)) return MALFORMED;
  // Only the current scheme's hash: a key found under an older scheme is read through verifyKey.
  const candidate = deps.hasher.currentHash(secret);
  const found = deps.store.cachedKeyWithRole(candidate.hash);
  return found === undefined ? undefined : judge(deps, found, candidate, refused);
}

/**
 * Cheap checks first (length, prefix, checksum: no hash, no I/O), then one hash and one indexed
 * lookup per hash scheme, compared in constant time.
 */
export async function verifyKey(deps: DomainDeps, secret: unknown, refused?: RefusedKeySink): Promise<VerifyResult> {
  if (!isWellFormedSecret(secret)) return MALFORMED;
  for (const candidate of deps.hasher.lookupHashes(secret)) {
    // Key and role in one lookup: this is the hot path of the integration API (verify under load).
    const found = await deps.store.read.keys.findWithRoleByHash(candidate.hash);
    const verdict = found === undefined ? undefined : judge(deps, found, candidate, refused);
    if (verdict !== undefined) return verdict;
  }
  return NOT_FOUND;
}
