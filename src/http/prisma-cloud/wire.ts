import { z } from 'zod';
import type { KeyView } from '../../domain/keys/find.js';
import type { Role } from '../../domain/model.js';
import { keyStatus } from '../../domain/time.js';
import type { UserContext } from '../../domain/users.js';

/**
 * The key API's wire format, Prisma Cloud's CSPM `/access_keys` model: times are epoch milliseconds,
 * 0 meaning "never" (expiresOn) or "not yet" (lastUsedTime); status strings are lower case.
 */
export interface WireKey {
  id: string;
  name: string;
  /** Slack user ID of whoever created it (Prisma puts the creator's login here). */
  createdBy: string;
  createdTs: number;
  lastUsedTime: number;
  expiresOn: number;
  status: 'active' | 'inactive' | 'expired';
  /** The owner, as a Slack user ID. */
  username: string;
  role: { id: string; name: string };
  roleType: string;
}

const ms = (isoTime: string | null): number => (isoTime === null ? 0 : Date.parse(isoTime));

/** Built-in role names are Prisma's role types; roles made in this app are custom ones. */
export const roleTypeOf = (role: Pick<Role, 'name' | 'builtin'> | undefined): string =>
  role === undefined ? '' : role.builtin ? role.name : 'Custom';

export function wireKey(view: KeyView, now: Date): WireKey {
  const { key, role } = view;
  const status = keyStatus(key, now);
  return {
    id: key.id,
    name: key.name,
    createdBy: key.createdBy,
    createdTs: ms(key.createdAt),
    lastUsedTime: ms(key.lastUsedAt),
    expiresOn: ms(key.expiresAt),
    status: status === 'Active' ? 'active' : status === 'Expired' ? 'expired' : 'inactive',
    username: key.ownerId,
    role: { id: key.roleId, name: role?.name ?? '' },
    roleType: roleTypeOf(role),
  };
}

/** `GET /user/me`: what this app knows about the key's owner (a Slack user: no e-mail or names here). */
export function wireUser(ctx: UserContext, keyRole: Role | null) {
  return {
    username: ctx.user.id,
    slackUserId: ctx.user.id,
    email: null,
    firstName: null,
    lastName: null,
    displayName: ctx.user.id,
    enabled: true,
    accessKeysAllowed: ctx.hasApiAccess,
    defaultRoleId: ctx.user.activeRoleId,
    roleIds: ctx.roles.map((r) => r.id),
    roles: ctx.roles.map((r) => ({ id: r.id, name: r.name, roleType: roleTypeOf(r) })),
    /** The role the calling key is tied to: every call made with it acts in this role. */
    activeRole: keyRole === null ? null : { id: keyRole.id, name: keyRole.name, roleType: roleTypeOf(keyRole) },
  };
}

/** Epoch milliseconds up to the year 9999; the domain refuses a time that is not in the future. */
const EPOCH_MS_MAX = 253_402_300_799_999;

/**
 * A past `expiresOn` that would be in the future as seconds was almost surely written in seconds (Unix
 * time): say so, rather than only "must be in the future".
 */
export function secondsInsteadOfMilliseconds(expiresOn: number, now: Date): string | undefined {
  const asSeconds = expiresOn * 1000;
  if (expiresOn <= 0 || expiresOn > now.getTime() || asSeconds <= now.getTime() || asSeconds > EPOCH_MS_MAX) return undefined;
  return `expiresOn is in epoch milliseconds: ${expiresOn} is ${new Date(expiresOn).toISOString()}, in the past. It looks like seconds; for ${new Date(asSeconds).toISOString()} send ${asSeconds}.`;
}

/** `POST /access_keys`: strict, so a misspelt field is an error rather than silently ignored. */
export const CreateKeyBody = z.strictObject({
  name: z.string(),
  /** 0, null or absent: the key never expires. */
  expiresOn: z.number().int().max(EPOCH_MS_MAX).nullable().optional(),
});
