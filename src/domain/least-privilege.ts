import { AppError } from '../errors.js';
import { appendAudit, auditOf } from './audit.js';
import type { DomainDeps } from './deps.js';
import { changeKey, type ChangeOptions, type KeyChange } from './keys/change.js';
import type { Role } from './model.js';
import { checkNetworks } from './networks.js';
import { MAX_ROLE_PERMISSIONS, parsePermissionList } from './permissions.js';
import { requireAdmin, requireAdminIn, roleNamed } from './users.js';

/**
 * The audited changes of least-privilege keys (docs/least-privilege.md): a role's permission set
 * (admins) and a key's networks (its owner, or an admin). Both go through `store.write`, which drops
 * the key cache of every replica: the very next verify anywhere reads the new sets.
 */

export type PermissionChange = { op: 'add' | 'remove'; permissions: string[] };

export async function changeRolePermissions(
  deps: DomainDeps,
  actorId: string,
  roleName: string,
  change: PermissionChange,
): Promise<{ role: Role; changed: string[] }> {
  const asked = parsePermissionList(change.permissions);
  if (asked.length === 0) throw new AppError('INVALID_INPUT', 'Name at least one permission, like `alerts.read`.');
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const role = await roleNamed(tx, roleName);
    const current = new Set(role.permissions);
    const changed = asked.filter((permission) => (change.op === 'add' ? !current.has(permission) : current.has(permission)));
    if (changed.length === 0) return { role, changed };
    for (const permission of changed) {
      if (change.op === 'add') current.add(permission);
      else current.delete(permission);
    }
    if (current.size > MAX_ROLE_PERMISSIONS)
      throw new AppError(
        'INVALID_INPUT',
        `A role holds at most ${MAX_ROLE_PERMISSIONS} permissions; ${role.name} would hold ${current.size}.`,
      );
    const permissions = [...current].sort();
    await tx.roles.setPermissions(role.id, permissions);
    await appendAudit(
      tx,
      {
        actorId,
        action: 'role.permissions_changed',
        roleName: role.name,
        details: { [change.op === 'add' ? 'added' : 'removed']: changed.join(' '), permissions: permissions.join(' ') },
      },
      deps.now(),
    );
    return { role: { ...role, permissions }, changed };
  });
}

/** A role's permission set, for `role permissions <role>` (admins). */
export async function rolePermissions(deps: DomainDeps, actorId: string, roleName: string): Promise<Role> {
  await requireAdmin(deps, actorId);
  return roleNamed(deps.store.read, roleName);
}

export interface NetworksInput {
  /** Canonical ranges (parseNetworkList); checked again here. */
  networks: string[];
  reportOnly: boolean;
}

/** `/accesskey networks <key>`: the owner (or an admin) sets where the key may be used from. */
export async function setKeyNetworks(
  deps: DomainDeps,
  actorId: string,
  reference: string,
  input: NetworksInput,
  options: ChangeOptions = {},
): Promise<KeyChange> {
  checkNetworks(input.networks);
  return changeKey(
    deps,
    actorId,
    reference,
    async (tx, _ctx, key, role) => {
      const same =
        key.networkReportOnly === input.reportOnly &&
        key.networks.length === input.networks.length &&
        key.networks.every((network, i) => network === input.networks[i]);
      if (same) return { key, role, changed: false };
      await tx.keys.setNetworks(key.id, input.networks, input.reportOnly);
      const updated = { ...key, networks: input.networks, networkReportOnly: input.reportOnly };
      await appendAudit(
        tx,
        auditOf(actorId, 'key.networks_changed', key, role, {
          networks: input.networks.join(' ') || 'any',
          previousNetworks: key.networks.join(' ') || 'any',
          reportOnly: input.reportOnly,
        }),
        deps.now(),
      );
      return { key: updated, role, changed: true };
    },
    options,
  );
}
