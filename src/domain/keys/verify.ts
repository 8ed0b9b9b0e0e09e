import type { DomainDeps } from '../deps.js';
import type { AccessKey, Role } from '../model.js';
import { SecretHasher, isWellFormedSecret } from '../secrets.js';
import { isExpired } from '../time.js';

export type VerifyCode = 'MALFORMED' | 'NOT_FOUND' | 'INACTIVE' | 'EXPIRED';
export type VerifyResult = { valid: true; key: AccessKey; role: Role | undefined } | { valid: false; code: VerifyCode };

/**
 * Cheap checks first (length, prefix, checksum: no hash, no I/O), then one hash and one indexed
 * lookup per hash scheme, compared in constant time.
 */
export async function verifyKey(deps: DomainDeps, secret: unknown): Promise<VerifyResult> {
  if (!isWellFormedSecret(secret)) return { valid: false, code: 'MALFORMED' };
  for (const candidate of deps.hasher.lookupHashes(secret)) {
    // Key and role in one lookup: this is the hot path of the integration API (verify under load).
    const found = await deps.store.read.keys.findWithRoleByHash(candidate.hash);
    if (found === undefined) continue;
    const { key, role } = found;
    if (key.hashVersion !== candidate.version || !SecretHasher.sameHash(key.keyHash, candidate.hash)) continue;
    // A key whose secret never reached its owner does not exist yet for anyone outside (docs/http-api.md).
    if (key.deliveredAt === null) return { valid: false, code: 'NOT_FOUND' };
    if (isExpired(key, deps.now())) return { valid: false, code: 'EXPIRED' };
    if (key.status !== 'active') return { valid: false, code: 'INACTIVE' };
    return { valid: true, key, role };
  }
  return { valid: false, code: 'NOT_FOUND' };
}
