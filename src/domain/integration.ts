import type { DomainDeps } from './deps.js';
import { verifyKey, type RefusedKeySink, type VerifyCode, type VerifyResult } from './keys/verify.js';
import type { AccessKey, Role } from './model.js';
import { KEY_ID_PATTERN } from './secrets.js';
import { isExpired } from './time.js';

/**
 * What the integration API (docs/http-api.md) asks of the domain: exchange a key ID and secret for an identity,
 * and re-check a key named by a token. Transport, tokens and throttling stay in src/http.
 */

export type LoginFailure = VerifyCode | 'MISMATCH';
export type LoginResult = { ok: true; key: AccessKey; role: Role | undefined } | { ok: false; reason: LoginFailure };

/**
 * The secret must verify (same checks and order as `verifyKey`: no hash and no I/O for a malformed one)
 * and must belong to the key ID given. A key ID that cannot exist is refused before anything else.
 */
export async function authenticateKey(deps: DomainDeps, keyId: string, secret: string, refused?: RefusedKeySink): Promise<LoginResult> {
  if (!KEY_ID_PATTERN.test(keyId)) return { ok: false, reason: 'NOT_FOUND' };
  const result = await verifyKey(deps, secret, refused);
  if (!result.valid) return { ok: false, reason: result.code };
  // Key IDs are public, so comparing them need not be constant-time; the secret was compared by hash.
  if (result.key.id !== keyId) return { ok: false, reason: 'MISMATCH' };
  return { ok: true, key: result.key, role: result.role };
}

/**
 * Is the key a token names still usable? A key deleted, made inactive or expired after login fails
 * here, so a token can never outlive its key by more than its own ten minutes.
 */
export async function revalidateKey(deps: DomainDeps, keyId: string): Promise<VerifyResult> {
  if (!KEY_ID_PATTERN.test(keyId)) return { valid: false, code: 'NOT_FOUND' };
  const key = await deps.store.read.keys.findById(keyId);
  // Undelivered: as verify answers, the key does not exist yet for anyone outside.
  if (key === undefined || key.deliveredAt === null) return { valid: false, code: 'NOT_FOUND' };
  if (isExpired(key, deps.now())) return { valid: false, code: 'EXPIRED' };
  if (key.status !== 'active') return { valid: false, code: 'INACTIVE' };
  return { valid: true, key, role: await deps.store.read.roles.findById(key.roleId) };
}
