import { grantApiAccess, revokeApiAccess } from './access.js';
import { checkDecider, decideAccessRequest, expireAccessRequests, recordRequestCard, requestApiAccess } from './access-requests.js';
import { exportAudit, listAllKeys, searchAuditAsAdmin } from './admin.js';
import { verifyAuditChain } from './audit.js';
import type { DomainDeps } from './deps.js';
import { activateKey, createKey, deactivateKey, deleteKey, extendKey, listKeys, rotateKey, showKey, slotsFor, undoRotation, verifyKey, type CreateKeyInput, type RotateKeyResult } from './keys.js';
import type { AuditSearch } from './ports.js';
import { checkAuditTail, advanceAuditWitness, verifyAudit, type AuditWitness, type MirrorHistory } from './audit-verify.js';
import { reportCompromised } from './keys.js';
import { setRolePolicy, type PolicyChange } from './policy.js';
import { assignRole, createRole, deleteRole, listRoles, previewRoleDeletion, previewRoleRemoval, removeRole } from './roles.js';
import type { ExpiryChoice } from './time.js';
import { bootstrapAdmins, ensureBaselineRoles, requireAdmin, switchActiveRole, userContext } from './users.js';

/**
 * The one object every entry point (Slack listeners, cron jobs, the HTTP API) calls. It knows
 * nothing of Slack or SQL; each method is a domain function with its dependencies bound.
 */
export function createServices(deps: DomainDeps) {
  return {
    deps,
    now: deps.now,
    users: {
      context: (userId: string) => userContext(deps, userId),
      switchRole: (userId: string, roleName: string) => switchActiveRole(deps, userId, roleName),
      bootstrapAdmins: (userIds: readonly string[]) => bootstrapAdmins(deps, userIds),
      ensureBaselineRoles: () => ensureBaselineRoles(deps),
    },
    keys: {
      slots: (userId: string) => slotsFor(deps, userId),
      create: (input: CreateKeyInput) => createKey(deps, input),
      list: (userId: string, options?: { allRoles?: boolean }) => listKeys(deps, userId, options),
      show: (actorId: string, reference: string) => showKey(deps, actorId, reference),
      extend: (actorId: string, reference: string, expiry: ExpiryChoice) => extendKey(deps, actorId, reference, expiry),
      deactivate: (actorId: string, reference: string) => deactivateKey(deps, actorId, reference),
      activate: (actorId: string, reference: string) => activateKey(deps, actorId, reference),
      delete: (actorId: string, reference: string, reason?: string) => deleteKey(deps, actorId, reference, reason),
      verify: (secret: unknown) => verifyKey(deps, secret),
      rotate: (actorId: string, reference: string) => rotateKey(deps, actorId, reference),
      undoRotation: (actorId: string, result: RotateKeyResult) => undoRotation(deps, actorId, result),
      reportCompromised: (actorId: string, reference: string) => reportCompromised(deps, actorId, reference),
    },
    access: {
      grant: (actorId: string, userId: string) => grantApiAccess(deps, actorId, userId),
      revoke: (actorId: string, userId: string) => revokeApiAccess(deps, actorId, userId),
      request: (userId: string, reason: string | undefined, ttlDays: number) => requestApiAccess(deps, userId, reason, ttlDays),
      recordCard: (requestId: string, channel: string, ts: string) => recordRequestCard(deps, requestId, channel, ts),
      decide: (actorId: string, requestId: string, decision: 'approve' | 'deny', reason?: string) => decideAccessRequest(deps, actorId, requestId, decision, reason),
      checkDecider: (actorId: string, requestId: string) => checkDecider(deps, actorId, requestId),
      expireRequests: () => expireAccessRequests(deps),
    },
    admin: {
      require: async (actorId: string): Promise<void> => {
        await requireAdmin(deps, actorId);
      },
      listKeys: (actorId: string, filter: { ownerId?: string; limit: number; offset: number }) => listAllKeys(deps, actorId, filter),
      searchAudit: (actorId: string, filter: AuditSearch) => searchAuditAsAdmin(deps, actorId, filter),
      exportAudit: (actorId: string, sinceIso?: string) => exportAudit(deps, actorId, sinceIso),
    },
    roles: {
      list: () => listRoles(deps),
      create: (actorId: string, name: string, maxKeys?: number) => createRole(deps, actorId, name, maxKeys),
      previewDeletion: (actorId: string, name: string) => previewRoleDeletion(deps, actorId, name),
      delete: (actorId: string, name: string, expectedRoleId?: string) => deleteRole(deps, actorId, name, expectedRoleId),
      assign: (actorId: string, userId: string, name: string) => assignRole(deps, actorId, userId, name),
      previewRemoval: (actorId: string, userId: string, name: string) => previewRoleRemoval(deps, actorId, userId, name),
      remove: (actorId: string, userId: string, name: string) => removeRole(deps, actorId, userId, name),
      setPolicy: (actorId: string, name: string, change: PolicyChange) => setRolePolicy(deps, actorId, name, change),
    },
    audit: {
      verifyChain: () => verifyAuditChain(deps.store.read),
      search: (filter: AuditSearch) => deps.store.read.searchAudit(filter),
      /** `/accesskey admin verify-audit`: the chain walk plus, when given, the security-channel cross-check. */
      verifyAsAdmin: async (actorId: string, history?: MirrorHistory) => {
        await requireAdmin(deps, actorId);
        return verifyAudit(deps.store.read, history);
      },
      checkTail: (witness: AuditWitness) => checkAuditTail(deps, witness),
      advanceWitness: (witness: AuditWitness) => advanceAuditWitness(deps, witness),
    },
  };
}

export type Services = ReturnType<typeof createServices>;
