import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import type { KeyWithRole } from '../ports.js';
import { SecretHasher, isWellFormedSecret } from '../secrets.js';
import { isExpired } from '../time.js';
import { matcherFor, reportingNetwork } from '../networks.js';
import { effectivePermissions, evaluatePermissionQuery, type PermissionQuery } from '../permissions.js';

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

// ---- least privilege (docs/least-privilege.md) -----------------------------------------------------------

/** Why a usable key is still refused for this call. */
export type AccessCode = 'INSUFFICIENT_PERMISSIONS' | 'NETWORK_NOT_ALLOWED';

/**
 * A key's effective permissions (its chosen set ∩ its role's current set), worked out once per key
 * object: the key cache hands out the same frozen key until a change drops it, so a cached verify adds
 * a WeakMap lookup, never a query. A key read from the database is a new object with a fresh answer.
 */
const effective = new WeakMap<AccessKey, { list: readonly string[]; set: ReadonlySet<string> }>();

function effectiveOf(key: AccessKey, role: Role | undefined): { list: readonly string[]; set: ReadonlySet<string> } {
  let known = effective.get(key);
  if (known === undefined) {
    const list = Object.freeze([...effectivePermissions(key.permissions, role?.permissions ?? [])]);
    known = { list, set: new Set(list) };
    effective.set(key, known);
  }
  return known;
}

export function keyPermissions(key: AccessKey, role: Role | undefined): readonly string[] {
  return effectiveOf(key, role).list;
}

/** Whether the key's effective permissions satisfy `query`. */
export function satisfies(key: AccessKey, role: Role | undefined, query: PermissionQuery): boolean {
  return evaluatePermissionQuery(query, effectiveOf(key, role).set);
}

export type NetworkVerdict =
  | { allowed: true; report?: undefined }
  | { allowed: false }
  /** Report-only key called from outside: let through, and `report` names the caller's network. */
  | { allowed: true; report: string };

const ALLOWED: NetworkVerdict = Object.freeze({ allowed: true });
const DENIED: NetworkVerdict = Object.freeze({ allowed: false });

/**
 * A key with ranges is usable only from an address inside one of them; no address (verify without
 * `ip`) is outside: it fails closed. A report-only key lets the call through, naming the network to report.
 */
export function checkNetwork(key: AccessKey, address: string | undefined): NetworkVerdict {
  if (key.networks.length === 0) return ALLOWED;
  if (address !== undefined && matcherFor(key.networks).allows(address)) return ALLOWED;
  if (!key.networkReportOnly) return DENIED;
  return { allowed: true, report: address === undefined ? 'no address' : (reportingNetwork(address) ?? 'not an address') };
}
