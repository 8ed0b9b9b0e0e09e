import { AppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, AuditAction, Role } from '../model.js';
import type { ViaKey } from './via.js';
import type { Repos } from '../ports.js';
import { containsSecret, generateKeyId, generateSecret, secretStart } from '../secrets.js';
import { iso } from '../time.js';
import type { UserContext } from '../users.js';
import { KEY_NAME_MAX_CHARS } from '../limits.js';
import { hasVisibleText } from '../visible-text.js';

// Control characters (C0, DEL, C1) and the invisible format characters that can disguise a name.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** A key name: 1–64 characters after trimming, printable, not secret-shaped. Returns the trimmed name. */
export function validateKeyName(raw: string): string {
  const name = raw.trim();
  // `rule: 'length'` lets the key API answer Prisma's invalid_access_key_name_length for these two.
  if (name.length === 0) throw new AppError('INVALID_NAME', 'Give the key a name.', { details: { rule: 'length' } });
  if ([...name].length > KEY_NAME_MAX_CHARS)
    throw new AppError('INVALID_NAME', `A key name can be at most ${KEY_NAME_MAX_CHARS} characters.`, { details: { rule: 'length' } });
  if (FORBIDDEN_IN_NAME.test(name)) throw new AppError('INVALID_NAME', 'A key name cannot contain control or invisible characters.');
  if (!hasVisibleText(name)) throw new AppError('INVALID_NAME', 'A key name needs at least one visible character.');
  if (containsSecret(name)) throw new AppError('INVALID_NAME', 'That name looks like a secret key. Never paste secrets into names.');
  return name;
}

/** A new key and its one-time secret; only the hash is kept in the key. */
export function newKey(
  deps: DomainDeps,
  fields: {
    name: string;
    ownerId: string;
    roleId: string;
    expiresAt: string | null;
    now: Date;
    requestId?: string;
    deliverLater?: boolean;
  },
): { key: AccessKey; secret: string } {
  const secret = generateSecret();
  const key: AccessKey = {
    id: generateKeyId(),
    name: fields.name,
    ownerId: fields.ownerId,
    roleId: fields.roleId,
    keyHash: deps.hasher.hash(secret),
    hashVersion: deps.hasher.version,
    secretStart: secretStart(secret),
    status: 'active',
    expiresAt: fields.expiresAt,
    createdAt: iso(fields.now),
    createdBy: fields.ownerId,
    lastUsedAt: null,
    lastUsedIp: null,
    requestId: fields.requestId ?? null,
    rotatedTo: null,
    deliveredAt: fields.deliverLater === true ? null : iso(fields.now),
  };
  return { key, secret };
}

export interface Slots {
  role: Role;
  used: number;
  max: number;
}

export function limitMessage(slots: Slots, advice = 'delete or rotate one first.'): string {
  return `${slots.role.name}: ${slots.used} of ${slots.max} keys used — ${advice}`;
}

export function limitReached(slots: Slots, advice?: string): AppError {
  return new AppError('KEY_LIMIT_REACHED', limitMessage(slots, advice), {
    details: { role: slots.role.name, used: slots.used, max: slots.max },
  });
}

export function requireCreatableRole(ctx: UserContext): Role {
  if (!ctx.hasApiAccess) {
    throw new AppError(
      'NO_API_ACCESS',
      "You don't have API access yet, so you can't create access keys. Ask an admin for access with `/accesskey request-access`.",
    );
  }
  if (ctx.activeRole === null) throw new AppError('NO_ACTIVE_ROLE', 'You have no active role. Pick one with `/accesskey role <name>`.');
  return ctx.activeRole;
}

export const viaDetail = (via: ViaKey | undefined): Record<string, string> => (via === undefined ? {} : { via: via.keyId });

/**
 * Deletes a key with its cascade, audited: a deleted successor no longer stands for its predecessor
 * (which is an ordinary key again). Every path that deletes a key goes through here.
 */
export async function removeKey(
  tx: Repos,
  actorId: string,
  action: Extract<AuditAction, 'key.deleted' | 'key.deleted_by_role_deletion' | 'key.deleted_undelivered'>,
  key: AccessKey,
  role: Pick<Role, 'name'> | undefined,
  details: Record<string, string | number | boolean | null>,
  now: Date,
): Promise<void> {
  await tx.keys.remove(key.id);
  await tx.keys.clearRotationsTo(key.id);
  await appendAudit(tx, auditOf(actorId, action, key, role, details), now);
}
