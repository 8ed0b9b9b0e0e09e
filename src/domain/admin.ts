import type { DomainDeps } from './deps.js';
import type { AuditRecord } from './model.js';
import type { AuditSearch } from './ports.js';
import type { KeyView } from './keys/find.js';
import { requireAdmin as requireAdminContext } from './users.js';

/** Admin oversight (docs/rules.md: admin-oversight): every key, paged. */
export async function listAllKeys(
  deps: DomainDeps,
  actorId: string,
  filter: { ownerId?: string; limit: number; offset: number },
): Promise<{ keys: KeyView[]; total: number }> {
  const repos = deps.store.read;
  await requireAdminContext(deps, actorId);
  const [keys, total, roles] = await Promise.all([
    repos.keys.list({ ownerId: filter.ownerId, limit: filter.limit, offset: filter.offset }),
    repos.keys.countAll({ ownerId: filter.ownerId }),
    repos.roles.list(),
  ]);
  const byId = new Map(roles.map((r) => [r.id, r]));
  return { keys: keys.map((key) => ({ key, role: byId.get(key.roleId) })), total };
}

/** The audit log, newest first, for admins only. */
export async function searchAuditAsAdmin(deps: DomainDeps, actorId: string, filter: AuditSearch): Promise<AuditRecord[]> {
  await requireAdminContext(deps, actorId);
  return deps.store.read.audit.search(filter);
}

/** Everything since a date, oldest first, in pages (for the CSV export). */
export async function exportAudit(
  deps: DomainDeps,
  actorId: string,
  sinceIso: string | undefined,
  maxRecords = 100_000,
): Promise<AuditRecord[]> {
  await requireAdminContext(deps, actorId);
  const out: AuditRecord[] = [];
  let after = 0;
  for (;;) {
    const page = await deps.store.read.audit.listAscending(after, 1000);
    for (const record of page) if (sinceIso === undefined || record.at >= sinceIso) out.push(record);
    const last = page.at(-1);
    if (last === undefined || page.length < 1000 || out.length >= maxRecords) break;
    after = last.seq;
  }
  return out.slice(0, maxRecords);
}
