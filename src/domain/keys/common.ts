import { AppError } from '../../errors.js';
import { appendAudit, auditOf } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AccessKey, AuditAction, Role } from '../model.js';
import type { ViaKey } from './via.js';
import type { ReadRepos, Repos } from '../ports.js';
import { containsCredential, generateKeyId, generateSecret, secretStart } from '../secrets.js';
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
  if (containsCredential(name)) throw new AppError('INVALID_NAME', 'That name looks like a secret key. Never paste secrets into names.');
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
    /** Least privilege (docs/least-privilege.md): absent = the role's whole set, any network. */
    permissions?: readonly string[] | null;
    networks?: readonly string[];
    networkReportOnly?: boolean;
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
    permissions: fields.permissions ?? null,
    networks: fields.networks ?? [],
    networkReportOnly: fields.networkReportOnly ?? false,
  };
  return { key, secret };
}

export interface Slots {
  role: Role;
  /** Every key of the role that is not deleted (R2), rotated-out ones included. */
  used: number;
  max: number;
  /** Of those, old keys whose successor exists: they count until deleted. */
  rotatingOut?: number;
}

/** The role's slots from its keys: one query, the keys of one owner and role (a handful at most). */
export async function slotsIn(repos: ReadRepos, ownerId: string, role: Role): Promise<Slots> {
  const keys = await repos.keys.list({ ownerId, roleId: role.id });
  return { role, used: keys.length, max: role.maxKeys, rotatingOut: keys.filter((k) => k.rotatedTo !== null).length };
}

/**
 * "1 of 2 keys used"; a rotation in a full role holds one key more than the role allows while the old
 * one is on its way out: "2 of 2 keys used (+1 being rotated out)", never "3 of 2".
 */
export function slotsText(slots: Pick<Slots, 'used' | 'max' | 'rotatingOut'>): string {
  const rotating = slots.rotatingOut ?? 0;
  const over = Math.min(rotating, Math.max(0, slots.used - slots.max));
  const text = `${slots.used - over} of ${slots.max} keys used`;
  if (over > 0) return `${text} (+${over} being rotated out)`;
  return rotating > 0 ? `${text} (${rotating} of them being rotated out)` : text;
}

/** What finishing a rotation means, for every refusal where an unfinished one holds a slot. */
export const FINISH_ROTATION =
  'A rotated-out key counts until it is deleted: finish a rotation by moving your integrations to the new key, then deleting the old one.';

export function limitMessage(slots: Slots, advice = 'delete or rotate one first.'): string {
  const rotation = (slots.rotatingOut ?? 0) > 0 ? ` ${FINISH_ROTATION}` : '';
  return `${slots.role.name}: ${slotsText(slots)} — ${advice}${rotation}`;
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
