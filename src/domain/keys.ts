import { AppError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { DomainDeps } from './deps.js';
import { SYSTEM_ACTOR, SYSTEM_ADMIN_ROLE, type AccessKey, type AuditAction, type Role } from './model.js';
import type { KeyApiChange, Notification } from './notifications.js';
import type { Repos } from './ports.js';
import { KEY_ID_PATTERN, SecretHasher, containsSecret, generateKeyId, generateSecret, isWellFormedSecret, secretStart } from './secrets.js';
import { assertExpiryAllowed } from './policy.js';
import { DAY_MS, isExpired, iso, resolveExpiry, type ExpiryChoice } from './time.js';
import { contextIn, userContext, type UserContext } from './users.js';
import { KEY_NAME_MAX_CHARS } from './limits.js';

/** An integration acting through one of its owner's keys (the key API), rather than the owner in Slack. */
export interface ViaKey {
  keyId: string;
  /** The calling key's role: through a key, its owner acts in that role only (R3). */
  roleId: string;
}

/**
 * docs/http-api.md, "Prisma-compatible key API": when automation changes a key through the key API, its
 * owner is told by DM. The notification is queued by the transaction that made the change, so it exists
 * exactly when the change does, and the notification outbox sends it after commit.
 */
async function queueKeyApiNotice(tx: Repos, change: KeyApiChange, key: AccessKey, role: Pick<Role, 'name'> | undefined, via: ViaKey, actorId: string, now: Date): Promise<void> {
  const notice: Notification = { kind: 'key_api.owner_dm', change, ownerId: key.ownerId, keyId: key.id, keyName: key.name, roleName: role?.name ?? null, viaKeyId: via.keyId, actorId };
  await tx.enqueueNotification(notice, iso(now));
}

// Control characters (C0, DEL, C1) and the invisible format characters that can disguise a name.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** A key name: 1–64 characters after trimming, printable, not secret-shaped. Returns the trimmed name. */
export function validateKeyName(raw: string): string {
  const name = raw.trim();
  // `rule: 'length'` lets the key API answer Prisma's invalid_access_key_name_length for these two.
  if (name.length === 0) throw new AppError('INVALID_NAME', 'Give the key a name.', { details: { rule: 'length' } });
  if ([...name].length > KEY_NAME_MAX_CHARS) throw new AppError('INVALID_NAME', `A key name can be at most ${KEY_NAME_MAX_CHARS} characters.`, { details: { rule: 'length' } });
  if (FORBIDDEN_IN_NAME.test(name)) throw new AppError('INVALID_NAME', 'A key name cannot contain control or invisible characters.');
  if (containsSecret(name)) throw new AppError('INVALID_NAME', 'That name looks like a secret key. Never paste secrets into names.');
  return name;
}

/** A new key and its one-time secret; only the hash is kept in the key. */
function newKey(deps: DomainDeps, fields: { name: string; ownerId: string; roleId: string; expiresAt: string | null; now: Date; requestId?: string; deliverLater?: boolean }): { key: AccessKey; secret: string } {
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

function limitReached(slots: Slots, advice?: string): AppError {
  return new AppError('KEY_LIMIT_REACHED', limitMessage(slots, advice), { details: { role: slots.role.name, used: slots.used, max: slots.max } });
}

function requireCreatableRole(ctx: UserContext): Role {
  if (!ctx.hasApiAccess) {
    throw new AppError('NO_API_ACCESS', "You don't have API access yet, so you can't create access keys. Ask an admin for access with `/accesskey request-access`.");
  }
  if (ctx.activeRole === null) throw new AppError('NO_ACTIVE_ROLE', 'You have no active role. Pick one with `/accesskey role <name>`.');
  return ctx.activeRole;
}

/** The active role's slots, for the create modal ("1 of 2") and the early refusal (R2). */
export async function slotsFor(deps: DomainDeps, userId: string): Promise<Slots & { ctx: UserContext }> {
  const ctx = await userContext(deps, userId);
  const role = requireCreatableRole(ctx);
  const used = await deps.store.read.countKeys(userId, role.id);
  return { ctx, role, used, max: role.maxKeys };
}

export interface CreateKeyInput {
  actorId: string;
  name: string;
  expiry: ExpiryChoice;
  /** Identifies the request that asked (e.g. the Slack view id): a replay returns the first result. */
  requestId?: string;
  /** Asked through the key API with this key: the new key goes into that key's role, and the owner is told. */
  via?: ViaKey;
  /**
   * The secret is handed over after the commit (Slack): the key authenticates only once
   * `confirmDelivery` records that it arrived, and the undelivered sweep removes it otherwise. Without
   * it the caller returns the secret in its own answer, and the key is delivered as it commits.
   */
  deliverLater?: boolean;
}

export type CreateKeyResult =
  | { created: true; key: AccessKey; role: Role; secret: string }
  | { created: false; key: AccessKey; role: Role };

/**
 * R1 API access, R2 limit per role, R3 tied to the active role, R5 expiry, R6 hash-only storage,
 * R9 audit in the same transaction. The count and the insert run under the write lock, so two
 * concurrent creates for the last slot make exactly one key.
 */
export async function createKey(deps: DomainDeps, input: CreateKeyInput): Promise<CreateKeyResult> {
  const name = validateKeyName(input.name);
  const now = deps.now();
  const expiresAt = resolveExpiry(input.expiry, now);
  return deps.store.write(async (tx) => {
    if (input.requestId !== undefined) {
      const earlier = await tx.findKeyByRequestId(input.requestId);
      if (earlier !== undefined) {
        const role = await tx.findRoleById(earlier.roleId);
        if (role !== undefined) return { created: false, key: earlier, role };
      }
    }
    const ctx = narrowToKey(await contextIn(tx, deps, input.actorId), input.via);
    const role = requireCreatableRole(ctx);
    const used = await tx.countKeys(input.actorId, role.id);
    if (used >= role.maxKeys) throw limitReached({ role, used, max: role.maxKeys });
    assertExpiryAllowed(role, expiresAt, now);
    if ((await tx.findKeysByName(input.actorId, role.id, name)).length > 0) {
      throw new AppError('DUPLICATE_NAME', `You already have a key called "${name}" in ${role.name}. Pick another name.`);
    }
    const { key, secret } = newKey(deps, { name, ownerId: input.actorId, roleId: role.id, expiresAt, now, requestId: input.requestId, deliverLater: input.deliverLater });
    await tx.insertKey(key);
    // Through the key API, the response that carries the secret is its delivery (R6).
    const viaDetails: Record<string, string> = input.via === undefined ? {} : { via: input.via.keyId, delivery: 'api_response' };
    await appendAudit(tx, auditOf(input.actorId, 'key.created', key, role, { slotsUsed: used + 1, maxKeys: role.maxKeys, ...viaDetails }), now);
    if (input.via !== undefined) await queueKeyApiNotice(tx, 'key_created', key, role, input.via, input.actorId, now);
    return { created: true, key, role, secret };
  });
}

export function auditOf(actorId: string, action: AuditAction, key: AccessKey, role: Pick<Role, 'name'> | undefined, details: Record<string, string | number | boolean | null> = {}) {
  return { actorId, action, keyId: key.id, keyName: key.name, ownerId: key.ownerId, roleName: role?.name ?? null, expiresAt: key.expiresAt, details };
}

/**
 * Through a key (docs/http-api.md, "Prisma-compatible key API"), its owner acts in the key's role only, and has admin powers only when that
 * role is System Admin — a member's second key in another role never borrows them.
 */
export function narrowToKey(ctx: UserContext, via: ViaKey | undefined): UserContext {
  if (via === undefined) return ctx;
  const activeRole = ctx.roles.find((r) => r.id === via.roleId) ?? null;
  return { ...ctx, activeRole, isAdmin: ctx.isAdmin && activeRole?.name === SYSTEM_ADMIN_ROLE };
}

const viaDetail = (via: ViaKey | undefined): Record<string, string> => (via === undefined ? {} : { via: via.keyId });

/**
 * Finds a key the actor may act on, by key ID or by name. Owners find their own keys (the active
 * role's first); admins may name anyone's key by ID. Anything else is "not found", never "forbidden".
 */
export async function findKeyFor(tx: Repos, ctx: UserContext, reference: string, via?: ViaKey): Promise<AccessKey> {
  const ref = reference.trim();
  const notFound = new AppError('KEY_NOT_FOUND', `No key of yours is called or has the ID "${ref}". Try \`/accesskey list --all-roles\`.`);
  if (KEY_ID_PATTERN.test(ref)) {
    const key = await tx.findKeyById(ref);
    if (key === undefined || (key.ownerId !== ctx.user.id && !ctx.isAdmin)) throw notFound;
    // Through a key, only its own role's keys exist for a non-admin (as Prisma shows them).
    if (via !== undefined && !ctx.isAdmin && key.roleId !== via.roleId) throw notFound;
    return key;
  }
  if (ref.length === 0 || ref.length > KEY_NAME_MAX_CHARS) throw notFound;
  const inActive = ctx.activeRole === null ? [] : await tx.findKeysByName(ctx.user.id, ctx.activeRole.id, ref);
  const [first] = inActive;
  if (first !== undefined) return first;
  const anywhere = await tx.findKeysByName(ctx.user.id, null, ref);
  const [only, second] = anywhere;
  if (only === undefined) throw notFound;
  if (second !== undefined) throw new AppError('INVALID_INPUT', `Several of your keys are called "${ref}" (in different roles). Use the key ID instead.`);
  return only;
}

export interface KeyView {
  key: AccessKey;
  role: Role | undefined;
}

/** Lists the user's keys for the active role (R3), or across all roles. */
export async function listKeys(deps: DomainDeps, userId: string, options: { allRoles?: boolean; via?: ViaKey } = {}): Promise<{ ctx: UserContext; keys: KeyView[] }> {
  const ctx = narrowToKey(await userContext(deps, userId), options.via);
  if (!options.allRoles && ctx.activeRole === null) return { ctx, keys: [] };
  const filter = options.allRoles || ctx.activeRole === null ? { ownerId: userId } : { ownerId: userId, roleId: ctx.activeRole.id };
  const keys = await deps.store.read.listKeys(filter);
  // One role's keys need only that role, which the context already holds: one query fewer per list.
  const activeRole = options.allRoles ? null : ctx.activeRole;
  if (activeRole !== null) return { ctx, keys: keys.map((key) => ({ key, role: key.roleId === activeRole.id ? activeRole : undefined })) };
  const roles = new Map((await deps.store.read.listRoles()).map((r) => [r.id, r]));
  return { ctx, keys: keys.map((key) => ({ key, role: roles.get(key.roleId) })) };
}


export async function showKey(deps: DomainDeps, actorId: string, reference: string, via?: ViaKey): Promise<KeyView> {
  const ctx = narrowToKey(await userContext(deps, actorId), via);
  const key = await findKeyFor(deps.store.read, ctx, reference, via);
  return { key, role: await deps.store.read.findRoleById(key.roleId) };
}

/** `replayed`: the interaction was acted on before (a Slack retry or a replayed request); nothing changed now. */
type KeyChange = { key: AccessKey; role: Role | undefined; changed: boolean; replayed?: boolean };

/**
 * How a change was asked for. `once`: the Slack interaction (view or button press) — a replay of it
 * changes nothing. `via`: the key that called the key API — it scopes what the caller may touch.
 */
export interface ChangeOptions {
  once?: string;
  via?: ViaKey;
}

/**
 * Records the interaction `once` (a Slack view or button press) in the caller's transaction. False:
 * it was acted on before, so this is a replay and must change nothing. No id: always acts.
 */
export async function firstTime(tx: Repos, deps: DomainDeps, actorId: string, once: string | undefined): Promise<boolean> {
  return once === undefined || tx.claimRequest(once, actorId, iso(deps.now()));
}

/**
 * Runs a change on one key the actor may touch, inside one audited transaction. `once` names the
 * interaction that asked: a replay of it finds the key and changes nothing (`changed: false`).
 */
async function changeKey(deps: DomainDeps, actorId: string, reference: string, change: (tx: Repos, ctx: UserContext, key: AccessKey, role: Role | undefined) => Promise<KeyChange>, options: ChangeOptions = {}): Promise<KeyChange> {
  const { once, via } = options;
  return deps.store.write(async (tx) => {
    const ctx = narrowToKey(await contextIn(tx, deps, actorId), via);
    if (!(await firstTime(tx, deps, actorId, once))) {
      // A replay of a delete finds no key: still an answer about the request, not about a missing key.
      const key = await findKeyFor(tx, ctx, reference, via).catch(() => undefined);
      if (key === undefined) throw new AppError('INVALID_INPUT', 'That request was already handled; nothing changed.');
      return { key, role: await tx.findRoleById(key.roleId), changed: false, replayed: true };
    }
    const key = await findKeyFor(tx, ctx, reference, via);
    return change(tx, ctx, key, await tx.findRoleById(key.roleId));
  });
}

/** R5: a new expiry, in the future, or none. Allowed on expired keys; never changes active/inactive (E2). */
export async function extendKey(deps: DomainDeps, actorId: string, reference: string, expiry: ExpiryChoice, options: ChangeOptions = {}): Promise<KeyChange> {
  const now = deps.now();
  const expiresAt = resolveExpiry(expiry, now);
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    if (role !== undefined) assertExpiryAllowed(role, expiresAt, now);
    // Extending a rotated-out key means its owner keeps it: it is no longer on its way out.
    const updated = { ...key, expiresAt, rotatedTo: null };
    await tx.updateKey(key.id, { expiresAt, rotatedTo: null });
    await appendAudit(tx, auditOf(actorId, 'key.expiry_extended', updated, role, { previousExpiresAt: key.expiresAt }), now);
    return { key: updated, role, changed: true };
  }, options);
}

/** R8: make inactive at once. An admin doing it to someone else's key is a revocation. */
export async function deactivateKey(deps: DomainDeps, actorId: string, reference: string, options: ChangeOptions = {}): Promise<KeyChange> {
  const { via } = options;
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    const byOwner = key.ownerId === actorId;
    // Already off, unless an admin now revokes what its owner only switched off (the owner could undo that).
    if (key.status === 'revoked' || key.status === 'compromised' || (key.status === 'inactive' && byOwner)) return { key, role, changed: false };
    // An admin's revocation is remembered as such: the owner of a compromised key cannot undo it.
    const status = byOwner ? 'inactive' : 'revoked';
    const updated: AccessKey = { ...key, status };
    await tx.updateKey(key.id, { status });
    const action = byOwner ? 'key.deactivated' : 'key.revoked';
    await appendAudit(tx, auditOf(actorId, action, updated, role, viaDetail(via)), deps.now());
    if (via !== undefined) await queueKeyApiNotice(tx, byOwner ? 'key_deactivated' : 'key_revoked', updated, role, via, actorId, deps.now());
    return { key: updated, role, changed: true };
  }, options);
}

/** Make active again: not when expired (R5), and only with API access (R1). */
export async function activateKey(deps: DomainDeps, actorId: string, reference: string, options: ChangeOptions = {}): Promise<KeyChange> {
  const { via } = options;
  return changeKey(deps, actorId, reference, async (tx, ctx, key, role) => {
    if (isExpired(key, deps.now())) {
      throw new AppError('KEY_EXPIRED', `"${key.name}" has expired and cannot be made active again. Extend its expiry first, or create a new key.`);
    }
    if (key.status === 'active') return { key, role, changed: false };
    if (key.status === 'revoked' && !ctx.isAdmin) {
      throw new AppError('NOT_ADMIN', `An admin revoked "${key.name}", so only an admin can make it active again. Create a new key, or ask an admin.`);
    }
    if (key.status === 'compromised' && !ctx.isAdmin) {
      throw new AppError('NOT_ADMIN', `"${key.name}" was reported compromised, so only an admin can make it active again. Rotate it or create a new key instead.`);
    }
    const owner = key.ownerId === actorId ? ctx : await contextIn(tx, deps, key.ownerId);
    if (!owner.hasApiAccess) {
      throw new AppError('NO_API_ACCESS', key.ownerId === actorId ? "You don't have API access, so your keys stay inactive. Ask an admin with `/accesskey request-access`." : 'The owner has no API access, so the key stays inactive.');
    }
    const updated: AccessKey = { ...key, status: 'active' };
    await tx.updateKey(key.id, { status: 'active' });
    await appendAudit(tx, auditOf(actorId, 'key.activated', updated, role, viaDetail(via)), deps.now());
    return { key: updated, role, changed: true };
  }, options);
}

export async function deleteKey(deps: DomainDeps, actorId: string, reference: string, reason?: string, options: ChangeOptions = {}): Promise<KeyChange> {
  const { via } = options;
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    await tx.deleteKey(key.id);
    await tx.clearRotationsTo(key.id);
    await appendAudit(tx, auditOf(actorId, 'key.deleted', key, role, { ...(reason === undefined ? {} : { reason }), ...viaDetail(via) }), deps.now());
    if (via !== undefined) await queueKeyApiNotice(tx, 'key_deleted', key, role, via, actorId, deps.now());
    return { key, role, changed: true };
  }, options);
}

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
    const found = await deps.store.read.findKeyAndRoleByHash(candidate.hash);
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

/** How long a rotated-out key keeps working, so integrations can move to the successor. */
export const ROTATION_GRACE_MS = DAY_MS;

export type RotateKeyResult = { old: AccessKey; successor: AccessKey; role: Role; secret: string; previousExpiresAt: string | null };

function successorName(name: string, now: Date, attempt: number): string {
  const suffix = ` (rotated ${now.toISOString().slice(0, 10)}${attempt > 1 ? ` #${attempt}` : ''})`;
  return `${[...name].slice(0, KEY_NAME_MAX_CHARS - suffix.length).join('')}${suffix}`;
}

export interface RotateOptions {
  graceMs?: number;
  /** As for `createKey`: the successor's secret is handed over after the commit. */
  deliverLater?: boolean;
  /** The interaction that asked (a Slack button press or command): a replay rotates nothing. */
  once?: string;
}

/** The old key's expiry once its successor is in the owner's hands: the grace period, or sooner if it expired sooner anyway. */
function retiredExpiry(old: AccessKey, deliveredAt: Date, graceMs: number): string | null {
  // A compromised key is already refused everywhere: no grace period, its expiry stays as it was.
  if (old.status === 'compromised') return old.expiresAt;
  const graceEnd = deliveredAt.getTime() + graceMs;
  return old.expiresAt === null || Date.parse(old.expiresAt) > graceEnd ? iso(new Date(graceEnd)) : old.expiresAt;
}

/**
 * The successor reached its owner: the old key starts its grace period now (audited as the rotation).
 * Until then it keeps its expiry, so an undelivered successor never makes the old key expire.
 */
async function retirePredecessor(tx: Repos, deps: DomainDeps, actorId: string, successor: AccessKey, role: Role | undefined, graceMs: number): Promise<AccessKey | undefined> {
  const old = await tx.findKeyRotatedTo(successor.id);
  if (old === undefined) return undefined;
  const now = deps.now();
  const expiresAt = retiredExpiry(old, now, graceMs);
  await tx.updateKey(old.id, { expiresAt });
  const retired: AccessKey = { ...old, expiresAt };
  await appendAudit(tx, auditOf(actorId, 'key.rotated', retired, role, { successorId: successor.id, previousExpiresAt: old.expiresAt }), now);
  return retired;
}

/**
 * `/accesskey rotate` (README): a successor in the same role (a free slot is needed: R2 holds), with the same
 * lifetime as the old key; the old key keeps working for a grace period, then expires. Only the owner
 * rotates (the new secret goes to whoever asked).
 */
export async function rotateKey(deps: DomainDeps, actorId: string, reference: string, options: RotateOptions = {}): Promise<RotateKeyResult> {
  const now = deps.now();
  const graceMs = options.graceMs ?? ROTATION_GRACE_MS;
  return deps.store.write(async (tx) => {
    const ctx = await contextIn(tx, deps, actorId);
    if (!(await firstTime(tx, deps, actorId, options.once))) throw new AppError('INVALID_INPUT', 'That rotation was already done from this button; its new secret was shown once and is not shown again.');
    const old = await findKeyFor(tx, ctx, reference);
    if (old.ownerId !== actorId) throw new AppError('KEY_NOT_FOUND', `No key of yours is called or has the ID "${reference.trim()}".`);
    if (!ctx.hasApiAccess) throw new AppError('NO_API_ACCESS', "You don't have API access, so you can't create the new key. Ask an admin with `/accesskey request-access`.");
    const role = ctx.roles.find((r) => r.id === old.roleId);
    if (role === undefined) throw new AppError('NOT_ROLE_MEMBER', 'You no longer hold the role this key belongs to, so it cannot be rotated. Delete it instead.');
    if (old.rotatedTo !== null) throw new AppError('INVALID_INPUT', `"${old.name}" was already rotated (its successor is ${old.rotatedTo}).`);
    // A compromised key is rotated at once (its successor takes over); other inactive keys are not.
    const compromised = old.status === 'compromised';
    if (old.status !== 'active' && !compromised) throw new AppError('INVALID_INPUT', `"${old.name}" is inactive; make it active first, or delete it and create a new key.`);
    // The successor replaces the old key, which stops working after the grace period: a full role can
    // still rotate ("delete or rotate one first", R2). Only a role already over its limit cannot.
    const used = await tx.countKeys(actorId, role.id);
    if (used > role.maxKeys) throw limitReached({ role, used, max: role.maxKeys }, 'finish an earlier rotation first: delete the old key.');
    let name = successorName(old.name, now, 1);
    for (let attempt = 2; (await tx.findKeysByName(actorId, role.id, name)).length > 0; attempt++) name = successorName(old.name, now, attempt);
    const lifetime = old.expiresAt === null ? null : Date.parse(old.expiresAt) - Date.parse(old.createdAt);
    const successorExpiry = lifetime === null ? null : iso(new Date(now.getTime() + lifetime));
    assertExpiryAllowed(role, successorExpiry, now, `The successor keeps the old key's lifetime: change "${old.name}"'s expiry to fit first, then rotate.`);
    const { key: successor, secret } = newKey(deps, { name, ownerId: actorId, roleId: role.id, expiresAt: successorExpiry, now, deliverLater: options.deliverLater });
    await tx.insertKey(successor);
    await appendAudit(tx, auditOf(actorId, 'key.created', successor, role, { rotatedFrom: old.id }), now);
    // The link comes first (a key is rotated once); the grace period starts when the successor is delivered.
    await tx.updateKey(old.id, { rotatedTo: successor.id });
    const linked: AccessKey = { ...old, rotatedTo: successor.id };
    const retired = options.deliverLater === true ? { ...linked, expiresAt: retiredExpiry(old, now, graceMs) } : await retirePredecessor(tx, deps, actorId, successor, role, graceMs);
    return { old: retired ?? linked, successor, role, secret, previousExpiresAt: old.expiresAt };
  });
}

/**
 * The secret of a key created with `deliverLater` reached its owner (the ephemeral message or the CSV
 * was confirmed sent): from now on it authenticates, and a rotation it completes starts its predecessor's
 * grace period. False when the key is gone (the sweep or a delete came first).
 */
export async function confirmDelivery(deps: DomainDeps, keyId: string, graceMs = ROTATION_GRACE_MS): Promise<boolean> {
  return deps.store.write(async (tx) => {
    const key = await tx.findKeyById(keyId);
    if (key === undefined) return false;
    if (key.deliveredAt !== null) return true;
    await tx.updateKey(key.id, { deliveredAt: iso(deps.now()) });
    await retirePredecessor(tx, deps, key.ownerId, key, await tx.findRoleById(key.roleId), graceMs);
    return true;
  });
}

/** How long a key may wait for its secret to be delivered before the sweep removes it. */
export const UNDELIVERED_TTL_MS = 2 * 60 * 1000;

/** Replay markers are kept well past Slack's 5-minute signature window, then forgotten. */
export const REPLAY_MEMORY_MS = 24 * 60 * 60 * 1000;

export async function forgetOldReplays(deps: DomainDeps): Promise<number> {
  return deps.store.read.forgetRequestsBefore(iso(new Date(deps.now().getTime() - REPLAY_MEMORY_MS)));
}

/**
 * Deletes keys whose secret never reached their owner (a crash or kill between commit and delivery),
 * each in its own audited transaction (`key.deleted_undelivered`), which frees its slot; a rotation it
 * belonged to is undone (the old key never started its grace period). Each owner's DM is queued in the
 * same transaction (notification outbox). Returns the keys it removed. Safe on several replicas: each key is re-read under the write lock.
 */
export async function sweepUndeliveredKeys(deps: DomainDeps, options: { ttlMs?: number; limit?: number } = {}): Promise<Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }>> {
  const cutoff = iso(new Date(deps.now().getTime() - (options.ttlMs ?? UNDELIVERED_TTL_MS)));
  const candidates = await deps.store.read.listUndeliveredKeys(cutoff, options.limit ?? 100);
  const removed: Array<{ key: AccessKey; role: Role | undefined; rotatedFrom: string | null }> = [];
  for (const candidate of candidates) {
    const done = await deps.store.write(async (tx) => {
      const key = await tx.findKeyById(candidate.id);
      if (key === undefined || key.deliveredAt !== null) return undefined;
      const role = await tx.findRoleById(key.roleId);
      const predecessor = await tx.findKeyRotatedTo(key.id);
      await tx.deleteKey(key.id);
      await tx.clearRotationsTo(key.id);
      await appendAudit(tx, auditOf(SYSTEM_ACTOR, 'key.deleted_undelivered', key, role, { reason: 'secret_not_delivered', createdAt: key.createdAt, ...(predecessor === undefined ? {} : { rotatedFrom: predecessor.id }) }), deps.now());
      // The owner's DM is queued with the deletion, so it exists exactly when the deletion does.
      await tx.enqueueNotification({ kind: 'undelivered_key.dm', ownerId: key.ownerId, keyId: key.id, keyName: key.name, roleName: role?.name ?? null, rotatedFrom: predecessor?.id ?? null }, iso(deps.now()));
      return { key, role, rotatedFrom: predecessor?.id ?? null };
    });
    if (done !== undefined) removed.push(done);
  }
  return removed;
}

/**
 * When a rotation's new secret reached the user nowhere (R6): the successor goes and the old key gets
 * its expiry back, in one audited transaction, so the user keeps a working key and can try again.
 */
export async function undoRotation(deps: DomainDeps, actorId: string, result: RotateKeyResult): Promise<void> {
  await deps.store.write(async (tx) => {
    const successor = await tx.findKeyById(result.successor.id);
    if (successor !== undefined) {
      await tx.deleteKey(successor.id);
      await appendAudit(tx, auditOf(actorId, 'key.deleted', successor, result.role, { reason: 'secret_not_delivered' }), deps.now());
    }
    const old = await tx.findKeyById(result.old.id);
    if (old === undefined || old.rotatedTo !== result.successor.id) return;
    const restored = result.previousExpiresAt;
    await tx.updateKey(old.id, { expiresAt: restored, rotatedTo: null });
    // An undelivered successor never started the grace period: then only the link goes, with nothing to audit.
    if (old.expiresAt === restored) return;
    await appendAudit(tx, auditOf(actorId, 'key.expiry_extended', { ...old, expiresAt: restored }, result.role, { reason: 'rotation_undone', previousExpiresAt: old.expiresAt }), deps.now());
  });
}

/**
 * README "Security-team controls", report compromised: the key is refused from this instant (only an admin can make it
 * active again), and the audit record is queued with priority for the security channel. The owner
 * or any admin may report it; an admin's report queues the owner's DM in the same transaction.
 * Reporting twice changes nothing more.
 */
export async function reportCompromised(deps: DomainDeps, actorId: string, reference: string): Promise<KeyChange> {
  return changeKey(deps, actorId, reference, async (tx, _ctx, key, role) => {
    if (key.status === 'compromised') return { key, role, changed: false };
    const updated: AccessKey = { ...key, status: 'compromised' };
    await tx.updateKey(key.id, { status: 'compromised' });
    await appendAudit(
      tx,
      auditOf(actorId, 'key.reported_compromised', updated, role, {
        previousStatus: key.status,
        lastUsedAt: key.lastUsedAt,
        lastUsedFrom: key.lastUsedIp,
        expired: isExpired(key, deps.now()),
      }),
      deps.now(),
    );
    // An admin reported someone else's key: its owner is the one who can rotate it, so they are told.
    if (actorId !== key.ownerId) await tx.enqueueNotification({ kind: 'key_compromised.owner_dm', keyId: key.id, reporterId: actorId }, iso(deps.now()));
    return { key: updated, role, changed: true };
  });
}
